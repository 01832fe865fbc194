"""Helpers for tests: tiny synthetic reference files, and a local server to fetch them from."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# Tiny synthetic files (rounded, made-up values) in the layouts of the real ones.
_LBB_FILES: dict[str, bytes] = {
    "rome_labels.csv": "rome_id|rome_label\nK2204|Nettoyage de locaux\nK1304|Services domestiques\n"
    "A1201|Bûcheronnage et élagage\n".encode(),
    "ogr_labels.csv": "ogr_id|ogr_label\n16971|Nettoyeur / Nettoyeuse de locaux\n"
    "10200|Bûcheron / Bûcheronne\n".encode(),
    "ogr_rome_mapping.csv": b"ogr_id|rome_id\n16971|K2204\n10200|A1201\n",
    "lbb-pse_bassin-emploi_rome-connexe.csv": b"code_bassin_emploi,rome,rome_connexe,score\n"
    b"8428,K2204,K1304,.5\n2000,K2204,K1304,.25\n",
    "lbb-pse_bassin-emploi_code-insee.csv": b"code_insee,code_bassin_emploi\n"
    b"69123,8428\n2A004,9407\n",
    "metiers_tension.csv": b"fap_code,fap,tension_pct,rome_code,rome_label\n"
    b'T4Z60,"Agents d\'entretien, de nettoyage",40.5,K2204,NETTOYAGE DE LOCAUX\n',
}
# La Poste's base as La Bonne Boîte kept it: ";" separated, CRLF, "lat, lon" in one column.
_LAPOSTE = (
    b"Code_commune_INSEE;Nom_commune;Code_postal;Libelle_acheminement;Ligne_5;coordonnees_gps\r\n"
    b"69381;LYON 01;69001;LYON;;45.77, 4.83\r\n"
    b"69382;LYON 02;69002;LYON;;45.75, 4.83\r\n"
    b"75108;PARIS 08;75008;PARIS;;48.87, 2.31\r\n"
    b"2A004;AJACCIO;20000;AJACCIO;;41.93, 8.70\r\n"
    b"2A004;AJACCIO;20090;AJACCIO;;41.93, 8.70\r\n"
    b"2B033;BASTIA;20200;BASTIA;;42.69, 9.43\r\n"
    b"55138;CULEY;55000;CULEY;;\r\n"
)
# La Bonne Boîte's company files: two sectors hiring sales staff (D1212), establishments of Metz.
_COMPANY_FILES: dict[str, bytes] = {
    "rome_naf_mapping.csv": "rome_id,rome_label,naf_id,naf_label,hirings\n"
    "D1212,Vente en décoration,4759A,Commerce de détail de meubles,300\n"
    "D1212,Vente en décoration,4778C,Autres commerces de détail spécialisés,100\n"
    "K2204,Nettoyage de locaux,4759A,Commerce de détail de meubles,100\n"
    "K2204,Nettoyage de locaux,8121Z,Nettoyage courant des bâtiments,900\n".encode(),
    "naf_labels.csv": "naf_id|naf_label\n4759A|Commerce de détail de meubles\n"
    "4778C|Autres commerces de détail spécialisés divers\n"
    "8121Z|Nettoyage courant des bâtiments\n".encode(),
    "effectif_labels.csv": b"code,label\n00,0-0\n01,1-2\n02,3-5\n03,6-9\n11,10-19\n12,20-49",
}
# Not one of DATA_FILES: the companies service imports its establishments from such a file.
_ESTABLISHMENTS: dict[str, bytes] = {
    "lbb_etablissements_metz.csv": (
        b"siret,raisonsociale,enseigne,codenaf,trancheeffectif,numerorue,libellerue,codepostal,"
        b"tel,email,website,flag_alternance,flag_junior,flag_senior,flag_handicap,"
        b"has_multi_geolocations,codecommune,coordinates_x,coordinates_y,departement,hiring\n"
        b"11111111100011,MEUBLES DU CENTRE,MEUBLES CENTRE,4759A,12,1,RUE SERPENOISE,57000,,"
        b"dummyemail@gmail.com,,1,1,0,1,0,57463,6.1750,49.1160,57,40\n"
        b"22222222200022,DECO PLUS,,4778C,01,3,RUE DES CLERCS,57000,,,,0,0,0,0,0,57463,"
        b"6.1770,49.1190,57,300\n"
        b"33333333300033,PROPRE ET NET,,8121Z,11,8,RUE DU PONT,57000,,,,0,1,1,0,0,57463,"
        b"6.2000,49.1000,57,12\n"
    ),
}
SYNTHETIC_FILES: dict[str, bytes] = {
    **_LBB_FILES,
    **_COMPANY_FILES,
    "laposte_hexasmal.csv": _LAPOSTE,
}

# La Poste's base as it is published today: Latin-1, a "#" before the first column name, other
# column names, no coordinates.
LAPOSTE_CURRENT_LAYOUT = (
    "#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5\r\n"
    "69381;LYON 01;69001;LYON;\r\n"
    "69382;LYON 02;69002;LYON;\r\n"
    "2A004;AJACCIO;20000;AJACCIO;\r\n"
    "2A004;AJACCIO;20090;AJACCIO;\r\n"
    "01001;L ABERGEMENT CLEMENCIAT;01400;L ABERGEMENT CLEMENCIAT;\r\n"
).encode("latin-1")


def write_synthetic_files(folder: Path) -> Path:
    """Writes the synthetic files into `folder`, for a `Referential` without the real data."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in {**SYNTHETIC_FILES, **_ESTABLISHMENTS}.items():
        (folder / name).write_bytes(content)
    return folder


class FileServer:
    """A local HTTP server answering `routes` (path -> body) and 404 for anything else."""

    def __init__(self, content_type: str = "text/csv") -> None:
        self.content_type = content_type
        self.routes: dict[str, bytes] = {}
        self.requested: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                state.requested.append(self.path)
                body = state.routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", state.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
