"""Generated bad input: every row ends Done with an exit status, no process dies, and no
parameter ever reaches SQL unbound (a canary table survives)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness import Db, Stack, wait_for

INJECTIONS = [
    "'); DROP TABLE canary; --",
    "1; DROP TABLE canary",
    "$$; DROP TABLE canary; $$",
    "' OR 1=1 --",
    "%(x)s %s {0} \\x00",
]
KINDS = [
    "Ping",
    "Email",
    "RunReport",
    "PostGLSeries",
    "RunMRP",
    "UpdateReorderLevel",
    "NoSuchKind",
    "",
    "ping",
    "Ping; DROP TABLE canary",
    None,
]
TYPES = [
    None,
    "",
    "QString",
    "int",
    "double",
    "bool",
    "QDate",
    "QDateTime",
    "QStringList",
    "QVariantList",
    "uint",
    "Qbogus",
    "int; DROP TABLE canary",
]

texts = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(INJECTIONS),
    st.text(max_size=60),  # unicode of every kind
    st.text(alphabet="x", min_size=5000, max_size=20000),  # huge
)
params = st.tuples(
    st.one_of(
        st.none(),
        st.just(""),
        st.sampled_from(["seconds", "glseries_sequence", "period_id_list", "cutoff_offset"]),
        st.text(max_size=20),
    ),
    texts,
    st.sampled_from(TYPES),
)
when = st.one_of(
    st.none(),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(1999, 12, 31)),
    st.sampled_from([dt.datetime(1970, 1, 1), dt.datetime(2000, 2, 29, 23, 59, 59)]),
)
addresses = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(
        [
            "not an address",
            "a@b",
            "a@@b.com",
            "x@example.com, y@",
            "<>",
            "ü@exämple.com",
            "x@example.com\r\nBcc: victim@example.com",
        ]
    ),
    st.emails(),
)
rows = st.fixed_dictionaries(
    {
        "batch_action": st.sampled_from(KINDS),
        "batch_parameter": texts,
        "batch_user": texts,
        "batch_email": addresses,
        "batch_scheduled": when,
        "batch_subject": texts,
        "batch_responsebody": texts,
        "batch_filename": st.one_of(st.none(), st.just(""), st.just("/etc/shadow-nope"), texts),
        "batch_fromemail": addresses,
        "batch_cc": addresses,
        "batch_reschedinterval": st.sampled_from(["N", "D", "W", "M", "X", " "]),
        "batch_emailhtml": st.booleans(),
        "params": st.lists(params, max_size=8),
    }
)


def insert(erp: Db, row: dict[str, Any], many_params: int = 0) -> int:
    with erp.connect() as conn, conn.transaction():
        columns = [k for k in row if k != "params"]
        result = conn.execute(
            f"INSERT INTO xtbatch.batch ({', '.join(columns)}, batch_submitted) "
            f"VALUES ({', '.join('%s' for _ in columns)}, localtimestamp) RETURNING batch_id",
            [
                str(row[c]).replace("\x00", "") if isinstance(row[c], str) else row[c]
                for c in columns
            ],
        ).fetchone()
        assert result is not None
        batch_id = int(result["batch_id"])
        generated = [(n, v, t) for n, v, t in row["params"]]
        generated += [(f"p{i}", str(i), "int") for i in range(many_params)]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO xtbatch.batchparam (batchparam_batch_id, batchparam_order, "
                "batchparam_name, batchparam_value, batchparam_type) VALUES (%s, %s, %s, %s, %s)",
                [
                    (
                        batch_id,
                        order,
                        *(x.replace("\x00", "") if isinstance(x, str) else x for x in p),
                    )
                    for order, p in enumerate(generated, 1)
                ],
            )
    return batch_id


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(batch=st.lists(rows, min_size=1, max_size=6))
def test_generated_bad_rows_all_end_done_with_an_exit_status(
    xtuple_messages: Db, stack: Stack, batch: list[dict[str, Any]]
) -> None:
    erp = xtuple_messages
    if not stack.procs:
        erp.run(
            "CREATE TABLE IF NOT EXISTS public.canary (v text); "
            "INSERT INTO public.canary VALUES ('alive')"
        )
        stack.worker(env={"XTBATCH_STALE_SECONDS": "60"})
        stack.bridge(env={"XTBATCH_STALE_SECONDS": "60"})
    ids = [insert(erp, row) for row in batch]
    ids.append(insert(erp, {"batch_action": "Ping", "params": []}, many_params=3000))

    def all_done() -> bool:
        row = erp.one(
            "SELECT count(*) AS n FROM xtbatch.batch WHERE batch_id = ANY(%s) "
            "AND batch_completed IS NULL",
            (ids,),
        )
        return bool(row and row["n"] == 0)

    wait_for(
        all_done,
        120,
        "every generated row to end",
        lambda: erp.all(
            "SELECT batch_id, batch_action, batch_started FROM xtbatch.batch "
            "WHERE batch_id = ANY(%s) AND batch_completed IS NULL",
            (ids,),
        ),
    )
    assert all(p.popen.poll() is None for p in stack.procs), "a process died"
    assert erp.one("SELECT v FROM public.canary") == {"v": "alive"}
    for row in erp.all("SELECT * FROM xtbatch.batch WHERE batch_id = ANY(%s)", (ids,)):
        kind = row["batch_action"]
        if kind not in ("Ping",):  # every other generated kind must explain its failure
            assert row["batch_exitstatus"], f"job {row['batch_id']} ({kind!r}) has no exit status"
