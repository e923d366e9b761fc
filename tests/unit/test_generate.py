"""The dataset generator: determinism, valid codes, exact headers, real citations, spans."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import uscc as stdnum_uscc

from jointsup.ingest.generate import generate
from jointsup.ingest.generate.reference import default_reference_dir
from jointsup.model import chinese_number

N = 500
SEED = 7
REFERENCE = default_reference_dir()
ARTICLE = re.compile(r"^第([零〇一二三四五六七八九十百千]+)条")
HEADERS = {
    "enterprises.csv": "uscc,name,former_names,legal_rep,reg_region_code,address,industry_code,"
                       "phone,established,status,credit_class,parent_uscc",
    "persons.csv": "uscc,person_id,name,role,share_ratio",
    "departments.csv": "code,name,system,level,region_code,parent_code",
    "items.csv": "code,name,parent_code,item_type,department_system,object_industries,"
                 "legal_basis,random_check,joint_check",
    "implementations.csv": "code,item_code,department_code,method,ratio,frequency",
    "officers.csv": "cert_no,name,department_code,specialties,in_random_pool",
    "inspections.csv": "id,uscc,item_code,department_code,officer_ids,date,result,articles",
    "lists.csv": "uscc,list,date,reason,removed_date",
    "credit.csv": "uscc,month,credit_class",
    "clues.csv": "id,channel,received_at,text,region_code,respondent_name,respondent_uscc",
}
OUTPUTS = [*HEADERS, "clues_gold.jsonl", "truth.json", "manifest.json"]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated dataset shared by the checks below."""
    target = tmp_path_factory.mktemp("gen") / "a"
    generate(target, N, SEED)
    return target


def rows(out: Path, name: str) -> list[dict[str, str]]:
    """A CSV file as dictionaries."""
    with (out / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def articles() -> dict[str, set[int]]:
    """Article numbers per official title (newest version), counted straight from the files."""
    newest: dict[str, tuple[str, set[int]]] = {}
    for path in sorted((REFERENCE / "laws").rglob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        title = lines[0].lstrip("# ").strip()
        version = re.search(r"\((\d{4}-\d\d-\d\d)\)", path.name)
        assert version is not None
        found = [chinese_number(m.group(1)) for line in lines if (m := ARTICLE.match(line))]
        # Numbers, not a count: one source file writes "第十五 条", which the pattern skips.
        assert found, path.name
        assert len(set(found)) == len(found), path.name
        if title not in newest or newest[title][0] < version.group(1):
            newest[title] = (version.group(1), set(found))
    return {title: numbers for title, (_, numbers) in newest.items()}


def test_two_runs_are_byte_identical(out: Path, tmp_path: Path) -> None:
    again = tmp_path / "b"
    generate(again, N, SEED)
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_headers_are_exact(out: Path) -> None:
    for name, header in HEADERS.items():
        with (out / name).open(encoding="utf-8") as handle:
            assert handle.readline().rstrip("\n") == header, name


def test_usccs_are_valid_and_carry_the_registration_county(out: Path) -> None:
    with (REFERENCE / "regions" / "areas.csv").open(encoding="utf-8", newline="") as handle:
        counties = {r["code"] for r in csv.DictReader(handle) if r["provinceCode"] in ("50", "51")}
    enterprises = rows(out, "enterprises.csv")
    assert len(enterprises) == N
    assert len({e["uscc"] for e in enterprises}) == N
    for ent in enterprises:
        code = ent["uscc"]
        assert stdnum_uscc.is_valid(code), code
        assert code[0] == "9"
        assert code[1] in "123"
        assert code[2:8] == ent["reg_region_code"]
        assert code[2:8] in counties
    sichuan = sum(e["reg_region_code"].startswith("51") for e in enterprises)
    assert 0.6 < sichuan / N < 0.8


def test_citations_resolve_to_real_articles(out: Path, articles: dict[str, set[int]]) -> None:
    def check(ref: str) -> None:
        title, _, number = ref.rpartition(":")
        assert int(number) in articles[title], ref

    items = rows(out, "items.csv")
    assert 60 <= len(items) <= 120
    for item in items:
        assert item["legal_basis"], item["code"]
        for ref in item["legal_basis"].split(";"):
            check(ref)
    inspections = rows(out, "inspections.csv")
    assert any(i["articles"] for i in inspections)
    for inspection in inspections:
        penalised = inspection["result"] in ("立案查处", "罚款")
        assert bool(inspection["articles"]) == penalised
        for ref in filter(None, inspection["articles"].split(";")):
            check(ref)


CATEGORIES = {"食品", "药品", "化妆品", "医疗器械", "特种设备", "价格", "计量", "广告", "产品质量",
              "商标与知识产权", "预付式消费", "网络交易", "旅游", "教育培训", "医疗美容", "农资",
              "燃气", "其他"}
CHANNELS = {"12315_hotline", "12315_web", "12315_app", "report", "partner_transfer", "risk_model"}


def test_gold_spans_match_the_text(out: Path, articles: dict[str, set[int]]) -> None:
    clues = rows(out, "clues.csv")
    assert N / 8 < len(clues) < N / 3
    assert {c["channel"] for c in clues} <= CHANNELS
    texts = {c["id"]: c["text"] for c in clues}
    gold = [json.loads(line) for line in (out / "clues_gold.jsonl").read_text("utf-8").splitlines()]
    assert [g["id"] for g in gold] == list(texts)
    for record in gold:
        text = texts[record["id"]]
        assert record["category"] in CATEGORIES
        for span in record["enterprises"] + record["regions"]:
            assert text[span["start"]:span["end"]] == span["name"], record["id"]
        for span in record["invalid_codes"]:
            assert text[span["start"]:span["end"]] == span["text"]
            assert not stdnum_uscc.is_valid(span["text"])
        for span in record["laws"]:
            assert span["end"] > span["start"]
            assert span["article"] is None or span["article"] in articles[span["law"]]


def test_planted_patterns_point_at_enterprises(out: Path) -> None:
    usccs = {e["uscc"] for e in rows(out, "enterprises.csv")}
    clue_ids = {c["id"] for c in rows(out, "clues.csv")}
    truth: dict[str, list[dict[str, Any]]] = json.loads((out / "truth.json").read_text("utf-8"))
    for pattern, instances in truth.items():
        assert len(instances) >= 3, pattern
        for instance in instances:
            for key in ("usccs", "struck_off_usccs"):
                assert set(instance.get(key, [])) <= usccs, pattern
            for key in ("uscc", "new_uscc"):
                if key in instance:
                    assert instance[key] in usccs, pattern
            assert set(instance.get("clue_ids", [])) <= clue_ids


def test_ordinary_data_forms_no_accidental_clusters(out: Path) -> None:
    truth = json.loads((out / "truth.json").read_text("utf-8"))
    enterprises = rows(out, "enterprises.csv")
    addresses = Counter(e["address"] for e in enterprises)
    planted = {i["address"] for i in truth["same_address"]}
    assert all(n == 1 or a in planted for a, n in addresses.items())
    phones = Counter(e["phone"] for e in enterprises)
    planted = {i["phone"] for i in truth["shared_phone"]}
    assert all(n == 1 or p in planted for p, n in phones.items())
    companies: dict[str, set[str]] = defaultdict(set)
    for person in rows(out, "persons.csv"):
        companies[person["person_id"]].add(person["uscc"])
    planted = {i["person_id"] for i in truth["one_person_many_companies"]}
    assert all(len(c) <= 2 or p in planted for p, c in companies.items())


def test_department_references_exist(out: Path) -> None:
    departments = {d["code"] for d in rows(out, "departments.csv")}
    officers = {o["cert_no"]: o["department_code"] for o in rows(out, "officers.csv")}
    items = {i["code"] for i in rows(out, "items.csv")}
    assert set(officers.values()) <= departments
    implemented = set()
    for imp in rows(out, "implementations.csv"):
        assert imp["department_code"] in departments
        assert imp["item_code"] in items
        implemented.add((imp["item_code"], imp["department_code"]))
    for inspection in rows(out, "inspections.csv"):
        assert inspection["department_code"] in departments
        assert (inspection["item_code"], inspection["department_code"]) in implemented
        crew = inspection["officer_ids"].split("|")
        assert len(crew) >= 2
        assert all(officers[c] == inspection["department_code"] for c in crew)


def test_share_ratios_sum_to_one(out: Path) -> None:
    shares: dict[str, float] = defaultdict(float)
    for person in rows(out, "persons.csv"):
        assert person["role"] in ("legal_rep", "shareholder", "executive", "liaison", "agent")
        if person["role"] == "shareholder":
            shares[person["uscc"]] += float(person["share_ratio"])
        else:
            assert person["share_ratio"] == ""
    assert shares
    assert all(abs(total - 1) < 1e-9 for total in shares.values())
