"""seenit.io against damaged and unusual inputs, and the output-path checks every writer uses."""

import gzip
import json
import sys
import warnings

import pytest

from seenit import io as sio
from seenit.tokenize import BytesTokenizer


def _zst_corpus(tmp_path, n=1000):
    zstd = pytest.importorskip("zstandard")
    blob = "".join(json.dumps({"text": f"document number {i}"}) + "\n" for i in range(n)).encode()
    return zstd, blob, zstd.ZstdCompressor().compress(blob)


@pytest.mark.parametrize("cut", [0.5, 0.9, -1])
def test_truncated_zst_raises_naming_the_file(tmp_path, cut):
    _, blob, comp = _zst_corpus(tmp_path)
    p = tmp_path / "c.jsonl.zst"
    p.write_bytes(comp[: int(len(comp) * cut)] if cut > 0 else comp[:-3])
    with pytest.raises(ValueError, match=r"c\.jsonl\.zst: corrupted or truncated"):
        list(sio.iter_records(p))


def test_corrupt_zst_raises_valueerror(tmp_path):
    _, blob, comp = _zst_corpus(tmp_path)
    p = tmp_path / "c.jsonl.zst"
    p.write_bytes(comp[:4] + b"\xff" * 64)  # the zstd magic, then garbage
    with pytest.raises(ValueError, match=r"c\.jsonl\.zst: corrupted"):
        list(sio.iter_records(p))


def test_zst_whole_and_multiframe_and_empty(tmp_path):
    zstd, blob, comp = _zst_corpus(tmp_path)
    p = tmp_path / "c.jsonl.zst"
    p.write_bytes(comp)
    assert len(list(sio.iter_records(p))) == 1000
    half = blob.index(b"\n", len(blob) // 2) + 1
    c = zstd.ZstdCompressor()
    p.write_bytes(c.compress(blob[:half]) + c.compress(blob[half:]))  # two frames, like `cat a.zst b.zst`
    assert [r.text for r in sio.iter_records(p)][-1] == "document number 999"
    p.write_bytes(b"")
    assert list(sio.iter_records(p)) == []


def test_lone_surrogate_names_the_document(tmp_path):
    p = tmp_path / "s.jsonl"
    p.write_text('{"text": "fine"}\n{"text": "bad \\ud800 here"}\n')
    with pytest.raises(ValueError, match=r"s\.jsonl:2: field 'text' holds a lone surrogate U\+D800"):
        list(sio.iter_records(p))
    with pytest.raises(ValueError, match=r"docs\[1\] holds a lone surrogate"):
        BytesTokenizer().encode_docs(["ok", "x\udc80y"])


def test_csv_field_over_128k(tmp_path):
    p = tmp_path / "big.csv"
    big = "word " * 60000  # 300 KB in one field
    p.write_text('id,text\n1,"' + big + '"\n2,small\n')
    assert [len(r.text) for r in sio.iter_records(p)] == [len(big), 5]


def test_deeply_nested_json_line_is_a_clean_error(tmp_path):
    p = tmp_path / "deep.jsonl"
    p.write_text('{"text": "ok"}\n' + '{"text": "x", "a": ' + "[" * 100000 + "]" * 100000 + "}\n")
    with pytest.raises(ValueError, match=r"deep\.jsonl:2: JSON nested too deeply"):
        list(sio.iter_records(p))
    with pytest.raises(ValueError, match=r"deep\.jsonl:2: JSON nested too deeply"):
        list(sio.iter_json_objects(p))


def test_existing_path_with_glob_characters_is_literal(tmp_path):
    weird = tmp_path / "data[1]?.jsonl"
    weird.write_text('{"text": "a"}\n')
    (tmp_path / "data1a.jsonl").write_text('{"text": "b"}\n')  # what the glob would match
    assert sio.expand_paths(weird) == [weird]
    assert [r.text for r in sio.iter_records(weird)] == ["a"]
    assert sio.expand_paths(str(tmp_path / "data*.jsonl")) == sorted([weird, tmp_path / "data1a.jsonl"])


def test_check_output_path(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("{}\n")
    with pytest.raises(ValueError, match="is a directory"):
        sio.check_output_path(tmp_path, name="--out")
    with pytest.raises(ValueError, match="is also an input"):
        sio.check_output_path(tmp_path / "x" / ".." / "in.jsonl", inputs=[src])
    with pytest.raises(ValueError, match=r"already exists \(add --overwrite"):
        sio.check_output_path(src, overwrite=False, overwrite_hint="add --overwrite")
    with pytest.raises(ValueError, match="is not a directory"):
        sio.check_output_path(src / "out.jsonl")
    with pytest.raises(ValueError, match="must end in .jsonl"):
        sio.check_output_path(tmp_path / "o.parquet", suffixes=sio.JSONL_SUFFIXES)
    assert sio.check_output_path(tmp_path / "new" / "deeper" / "o.jsonl") == tmp_path / "new" / "deeper" / "o.jsonl"


def test_gzip_output_uses_a_fast_level(tmp_path):
    p = tmp_path / "o.jsonl.gz"
    sio.write_jsonl(p, [{"text": "x" * 1000}] * 100)
    assert sio.GZIP_LEVEL <= 3
    assert p.read_bytes()[8] != 2  # gzip XFL byte: 2 = "maximum compression" (level 9)
    assert len(gzip.decompress(p.read_bytes()).splitlines()) == 100


def test_mostly_empty_text_field_warns_once(tmp_path):
    p = tmp_path / "pile.jsonl"
    p.write_text("".join(json.dumps({"text": "" if i % 10 else "real text", "raw": "x"}) + "\n" for i in range(50)))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert len(list(sio.iter_records(p))) == 50
    msgs = [str(x.message) for x in w if issubclass(x.category, sio.EmptyTextWarning)]
    assert msgs == ["45 of 50 records have an empty or missing 'text' field; is that the field with the text?"]


def test_missing_zstandard_names_the_extra(tmp_path, monkeypatch):
    p = tmp_path / "c.jsonl.zst"
    p.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(ImportError, match=r"pip install 'seenit\[io\]'"):
        list(sio.iter_records(p))
    with pytest.raises(ImportError, match=r"pip install 'seenit\[io\]'"):
        sio.write_jsonl(tmp_path / "o.jsonl.zst", [{"a": 1}])
