"""Property: whatever the shape of a case's history (several laptops editing any version)
and whatever order its bundles arrive in, once all have arrived the server's current version
is a tip of the history, every other tip is exactly one open conflict, nothing else is open,
and the case's counter agrees. Fictional data; SQLite (the same code runs on PostgreSQL,
where the ordered scenarios in test_ingest.py run too)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from intake_app.server.db import make_engine
from intake_app.server.setup import init_server

from .conftest import ADMIN_PASSWORD, FAST_KDF, KEY_PASSPHRASE, Srv
from .devicesim import SimDevice


@pytest.fixture
def sqlite_srv(tmp_path):
    """One server for all the examples (each example is a case of its own) and three laptops."""
    home = tmp_path / "srvhome"
    settings_, keystore = init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin",
                                      admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    engine = make_engine(settings_.db_url)
    srv = Srv(home, settings_, keystore, engine, settings_.db_url)
    laptops = [srv.enroll(SimDevice(f"lap-tree-{n}")) for n in range(3)]
    yield srv, laptops
    engine.dispose()


@st.composite
def histories(draw):
    n = draw(st.integers(min_value=1, max_value=7))
    parents = [None] + [draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, n)]
    makers = [0] + [draw(st.integers(min_value=0, max_value=2)) for _ in range(1, n)]
    order = draw(st.permutations(list(range(n))))
    return parents, makers, order


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_any_history_in_any_order_ends_with_one_head_and_its_other_tips_queued(sqlite_srv, history):
    srv, laptops = sqlite_srv
    parents, makers, order = history
    ing = srv.ingestor()
    case_id = None
    revs, bundles = [], []
    for i, parent in enumerate(parents):
        dev = laptops[makers[i]]
        rev = dev.revision(case_id, parent=None if parent is None else revs[parent]["revision_id"])
        case_id = rev["case_id"]
        revs.append(rev)
        bundles.append(dev.bundle([rev]))
    for i in order:
        ing.ingest(bundles[i])
    children = defaultdict(list)
    for i, parent in enumerate(parents):
        if parent is not None:
            children[parent].append(i)
    tips = {revs[i]["revision_id"] for i in range(len(revs)) if not children[i]}
    with srv.engine.connect() as conn:
        head, opened = conn.execute(text("SELECT head_revision_id, open_conflicts FROM cases WHERE case_id = :c"),
                                    {"c": case_id}).one()
        queued = conn.execute(text("SELECT revision_id FROM conflicts WHERE case_id = :c AND status = 'open'"),
                              {"c": case_id}).scalars().all()
        facts = conn.execute(text("SELECT revision_id FROM case_facts WHERE case_id = :c"), {"c": case_id}).scalar_one()
    assert head in tips, (parents, order)
    assert sorted(queued) == sorted(tips - {head}), (parents, order)
    assert opened == len(queued) and facts == head
