"""French reference data for Tremplin: occupations, job titles, communes, employment areas."""

from refdata.companies import Sectors, company_data_dir, read_establishment_rows, read_sectors
from refdata.files import DATA_FILES, DataFile
from refdata.geo import distance_km
from refdata.lheo import LheoDictionaries, get_lheo_dictionaries, lheo_dir, lheo_sample
from refdata.models import Commune, JobTitle
from refdata.names import Names, commune_display_name, get_names, read_names
from refdata.referential import (
    Referential,
    get_referential,
    load_referential,
    read_referential,
)
from refdata.settings import RefdataSettings
from refdata.sources import RefdataUnavailableError, locate_data_dir

__all__ = [
    "DATA_FILES",
    "Commune",
    "DataFile",
    "JobTitle",
    "LheoDictionaries",
    "Names",
    "RefdataSettings",
    "RefdataUnavailableError",
    "Referential",
    "Sectors",
    "commune_display_name",
    "company_data_dir",
    "distance_km",
    "get_lheo_dictionaries",
    "get_names",
    "get_referential",
    "lheo_dir",
    "lheo_sample",
    "load_referential",
    "locate_data_dir",
    "read_establishment_rows",
    "read_names",
    "read_referential",
    "read_sectors",
]
