"""The committed schema matches the code, and the code keeps every part of the contract.

The contract is the project's copy, ``docs/api/contract.graphql``; one test checks that the copy
still equals the external original (``$NNV_SHARED_DIR/api/contract.graphql``) when that is present.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
)

from service.graphql.schema import schema_sdl
from tests.conftest import CONTRACT, ROOT, SHARED_CONTRACT, shared_file

PENDING_FIELDS: set[str] = set()


def test_committed_schema_has_not_drifted() -> None:
    committed = (ROOT / "service" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema_sdl(), "service/schema.graphql is stale: run `python -m service.graphql.export`"


def test_the_contract_copy_equals_the_external_contract() -> None:
    original = shared_file(SHARED_CONTRACT).read_text(encoding="utf-8")
    assert CONTRACT.read_text(encoding="utf-8") == original, f"{CONTRACT} differs from {SHARED_CONTRACT}: copy it again"


def test_every_contract_type_field_argument_and_enum_value_exists() -> None:
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    ours = build_schema(schema_sdl())
    problems = []
    for name, ctype in contract.type_map.items():
        if name.startswith("__"):
            continue
        otype = ours.type_map.get(name)
        if otype is None:
            problems.append(f"missing type {name}")
            continue
        if type(otype) is not type(ctype):
            problems.append(f"{name} is a {type(otype).__name__}, contract says {type(ctype).__name__}")
            continue
        if isinstance(ctype, GraphQLEnumType):
            missing = set(ctype.values) - set(otype.values)  # type: ignore[union-attr]
            problems += [f"missing enum value {name}.{v}" for v in sorted(missing)]
        if isinstance(ctype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            ointerfaces = {i.name for i in getattr(otype, "interfaces", [])}
            problems += [f"{name} does not implement {i.name}" for i in getattr(ctype, "interfaces", []) if i.name not in ointerfaces]
            for fname, cfield in ctype.fields.items():
                ofield = otype.fields.get(fname)  # type: ignore[union-attr]
                if f"{name}.{fname}" in PENDING_FIELDS:
                    continue
                if ofield is None:
                    problems.append(f"missing field {name}.{fname}")
                    continue
                if str(ofield.type) != str(cfield.type):
                    problems.append(f"{name}.{fname}: {ofield.type} != {cfield.type}")
                for aname, carg in getattr(cfield, "args", {}).items():
                    oarg = ofield.args.get(aname)
                    if oarg is None or str(oarg.type) != str(carg.type):
                        problems.append(f"{name}.{fname}({aname}): {oarg.type if oarg else 'missing'} != {carg.type}")
    assert problems == []
