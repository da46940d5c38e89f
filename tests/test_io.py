import gzip
import json

import pytest

from seenit import io as sio


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_reads_every_format_in_order(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    zstd = pytest.importorskip("zstandard")
    _write_jsonl(tmp_path / "a.jsonl", [{"text": "one"}, {"text": "two"}])
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as fh:
        fh.write(json.dumps({"text": "three"}) + "\n")
    (tmp_path / "c.jsonl.zst").write_bytes(zstd.ZstdCompressor().compress(b'{"text": "four"}\n'))
    pq.write_table(pa.table({"text": ["five", "six"]}), tmp_path / "d.parquet")
    (tmp_path / "e.txt").write_text("seven\n\neight\n")
    (tmp_path / "f.csv").write_text("id,text\n1,nine\n")
    recs = list(sio.iter_records(tmp_path))
    assert [r.text for r in recs] == ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    assert recs[1].line == 2 and recs[1].path.endswith("a.jsonl")
    assert recs[7].line == 3  # blank line skipped, line numbers kept


def test_malformed_line_names_file_and_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "ok"}\n{"text": \n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: malformed JSON"):
        list(sio.iter_records(p))
    skipped: list[str] = []
    recs = list(sio.iter_records(p, skip_bad_lines=True, skipped=skipped))
    assert [r.text for r in recs] == ["ok"] and len(skipped) == 1 and ":2:" in skipped[0]


def test_missing_field_and_file(tmp_path):
    p = tmp_path / "x.jsonl"
    _write_jsonl(p, [{"question": "q"}])
    with pytest.raises(ValueError, match=r"x\.jsonl:1: field 'text' not found \(fields: question\)"):
        list(sio.iter_records(p))
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        list(sio.iter_records(tmp_path / "nope.jsonl"))
    with pytest.raises(FileNotFoundError, match="no files match"):
        sio.expand_paths(str(tmp_path / "*.parquet"))


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError):
        with sio.atomic_write(target) as fh:
            fh.write("partial")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    assert sio.write_jsonl(target, [{"a": 1}, {"a": 2}]) == 2
    assert target.read_text() == '{"a": 1}\n{"a": 2}\n'
    sio.write_jsonl(tmp_path / "out.jsonl.gz", [{"b": 1}])
    assert gzip.decompress((tmp_path / "out.jsonl.gz").read_bytes()) == b'{"b": 1}\n'


def test_as_text_list_rejects_non_str():
    assert sio.as_text_list(("a", "b")) == ["a", "b"]
    with pytest.raises(TypeError, match=r"docs\[1\] must be str, got int"):
        sio.as_text_list(["a", 3])
    with pytest.raises(TypeError):
        sio.as_text_list("abc")


def test_atomic_write_uses_normal_file_permissions(tmp_path):
    import os
    import stat

    sio.write_json(tmp_path / "r.json", {"a": 1})
    plain = tmp_path / "plain"
    plain.write_text("x")
    assert stat.S_IMODE(os.stat(tmp_path / "r.json").st_mode) == stat.S_IMODE(os.stat(plain).st_mode)


def test_iter_json_objects_locations_and_errors(tmp_path):
    from seenit.io import iter_json_objects

    good = tmp_path / "ok.jsonl.gz"
    good.write_bytes(gzip.compress(b'{"a": 1}\n\n{"a": 2}\n'))
    assert list(iter_json_objects(good)) == [(f"{good}:1", {"a": 1}), (f"{good}:3", {"a": 2})]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not valid JSON"):
        list(iter_json_objects(bad))
    arr = tmp_path / "arr.jsonl"
    arr.write_text('[1, 2]\n')
    with pytest.raises(ValueError, match=r"arr.jsonl:1: expected a JSON object"):
        list(iter_json_objects(arr))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(b'{"a": 1}\n' * 50)[:-6])
    with pytest.raises(ValueError, match=r"cut.jsonl.gz: corrupted or truncated compressed file"):
        list(iter_json_objects(cut))
    with pytest.raises(FileNotFoundError):
        list(iter_json_objects(tmp_path / "missing.jsonl"))
