"""The dump's `.bson` files carry every BSON type unchanged, those FerretDB cannot store too."""

import gzip
import io
from datetime import UTC, datetime
from decimal import Decimal

from bson import Binary, Decimal128, ObjectId, decode, encode
from bson.raw_bson import RawBSONDocument

from servicekit.backup import read_documents, write_document


def test_documents_come_back_byte_for_byte_through_a_gzipped_file() -> None:
    originals = [
        RawBSONDocument(
            encode(
                {
                    "_id": ObjectId(),
                    "salary": Decimal128(Decimal("2150.75")),
                    "when": datetime(2026, 12, 3, 2, 17, tzinfo=UTC),
                    "photo": Binary(b"\x00\xff" * 100, subtype=0x80),
                    "nested": {"list": [1, {"two": [None]}]},
                }
            )
        ),
        RawBSONDocument(encode({"_id": "s-1"})),
    ]
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as out:
        written = sum(write_document(out, d) for d in originals)

    with gzip.GzipFile(fileobj=io.BytesIO(buffer.getvalue()), mode="rb") as source:
        read = list(read_documents(source))

    assert [d.raw for d in read] == [d.raw for d in originals]
    assert written == sum(len(d.raw) for d in originals)
    assert decode(read[0].raw)["salary"] == Decimal128(Decimal("2150.75"))
    assert decode(read[0].raw)["photo"] == Binary(b"\x00\xff" * 100, subtype=0x80)
