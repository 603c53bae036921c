"""`xtbatch doctor` on xTuple databases: the metric, the package, xtrole's grants and the
client's statements; each failing check says what to run, and running it makes it pass."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from tests.harness import Db
from tests.xtuple_db import XtupleDb, xtbatch_cli
from xtbatch import db
from xtbatch.cli.commands.doctor import Check
from xtbatch.cli.commands.doctor_xtuple import (
    check_client,
    check_metric,
    check_package,
    check_xtrole,
)
from xtbatch.db import Row
from xtbatch.settings import load


def run(database: Db, check: Callable[[psycopg.Connection[Row]], Check]) -> Check:
    with db.connect(load({"database_url": database.url}), "test") as conn:
        return check(conn)


def install_fixes(
    xtuple: XtupleDb, check: Callable[[psycopg.Connection[Row]], Check], failed: Check
) -> None:
    """``failed`` says to run ``xtbatch install``; it runs, and ``check`` passes after it."""
    assert failed.fix == "run: xtbatch install"
    assert xtbatch_cli(xtuple, "install").returncode == 0
    assert run(xtuple, check).status == "OK"


def test_all_four_pass_on_an_installed_xtuple_database(xtuple: XtupleDb) -> None:
    xtuple.set_metric("EnableBatchManager", "t")
    for check in (check_metric, check_package, check_xtrole, check_client):
        result = run(xtuple, check)
        assert result.status == "OK", result.line()
    assert "10 batch statements resolve" in run(xtuple, check_client).detail


def test_the_doctor_command_prints_the_xtuple_checks(xtuple: XtupleDb) -> None:
    done = xtbatch_cli(xtuple, "doctor", "--no-ping")
    lines = {line.split()[1]: line for line in done.stdout.splitlines() if line[:4].strip()}
    assert lines["metric"].startswith("WARN"), done.stdout
    assert lines["package"].startswith("OK") and lines["xtrole"].startswith("OK"), done.stdout
    assert lines["client"].startswith("OK"), done.stdout


def test_metric_off_is_a_warning_that_says_how_to_switch_it_on(xtuple: XtupleDb) -> None:
    result = run(xtuple, check_metric)
    assert result.status == "WARN" and not result.failed
    assert "EnableBatchManager is off" in result.detail
    assert result.fix == "run in the ERP database: SELECT setMetric('EnableBatchManager', 't');"
    xtuple.run("SELECT setMetric('EnableBatchManager', 't')")
    assert run(xtuple, check_metric).status == "OK"


def test_a_disabled_package_fails_package_and_client_and_the_fix_enables_it(
    xtuple: XtupleDb,
) -> None:
    xtuple.disable_package()
    package = run(xtuple, check_package)
    assert package.status == "FAIL" and "disabled" in package.detail
    client = run(xtuple, check_client)
    assert client.status == "FAIL", client.line()
    assert "submitReport (ASAP): function submitreporttobatch(" in client.detail
    assert "does not exist" in client.detail
    # xTuple's own enablePackage() does nothing on PostgreSQL 10 and later; the fix does.
    assert xtuple.one("SELECT enablePackage('xtbatch') AS result") == {"result": -1}
    assert run(xtuple, check_package).status == "FAIL"
    xtuple.run(package.fix.removeprefix("run in the ERP database: "))
    assert run(xtuple, check_package).status == "OK"
    assert run(xtuple, check_client).status == "OK"


def test_an_unregistered_package_says_run_install_and_install_fixes_it(
    xtuple: XtupleDb,
) -> None:
    xtuple.run(
        "DELETE FROM pkghead; DROP TABLE xtbatch.pkgcmd, xtbatch.pkgcmdarg, xtbatch.pkgimage,"
        " xtbatch.pkgmetasql, xtbatch.pkgpriv, xtbatch.pkgreport, xtbatch.pkgscript,"
        " xtbatch.pkguiform"
    )
    result = run(xtuple, check_package)
    assert result.status == "FAIL" and "not registered" in result.detail
    install_fixes(xtuple, check_package, result)


def test_missing_grants_say_run_install_and_install_restores_them(xtuple: XtupleDb) -> None:
    xtuple.run(
        "REVOKE ALL ON xtbatch.batchparam FROM xtrole;"
        " REVOKE USAGE ON SEQUENCE xtbatch.batch_batch_id_seq FROM xtrole"
    )
    result = run(xtuple, check_xtrole)
    assert result.status == "FAIL", result.line()
    assert "xtbatch.batch_batch_id_seq, xtbatch.batchparam" in result.detail
    install_fixes(xtuple, check_xtrole, result)


def test_grants_missing_on_xtuple_connects_objects_name_the_grant(xtuple: XtupleDb) -> None:
    # As if xTuple Connect had made the batchparam table: xtbatch does not grant on it.
    xtuple.run(
        "DELETE FROM xtbatch_mgr.owned WHERE identity = 'xtbatch.batchparam';"
        " REVOKE ALL ON xtbatch.batchparam FROM xtrole;"
        " REVOKE ALL ON SEQUENCE xtbatch.batchparam_batchparam_id_seq FROM xtrole"
    )
    result = run(xtuple, check_xtrole)
    assert result.status == "FAIL", result.line()
    assert (
        "GRANT SELECT, INSERT, DELETE ON TABLE xtbatch.batchparam TO xtrole;"
        " GRANT USAGE ON SEQUENCE xtbatch.batchparam_batchparam_id_seq TO xtrole;"
    ) in result.fix
    assert "run: xtbatch install" not in result.fix


def test_xtrole_reaching_the_bookkeeping_fails(xtuple: XtupleDb) -> None:
    xtuple.run("GRANT USAGE ON SCHEMA xtbatch_mgr TO xtrole")
    result = run(xtuple, check_xtrole)
    assert result.status == "FAIL", result.line()
    assert result.fix == "run in the ERP database: REVOKE ALL ON SCHEMA xtbatch_mgr FROM xtrole;"


def test_on_plain_postgresql_the_xtuple_checks_pass_with_nothing_to_check(
    empty_db: Db,
) -> None:
    assert xtbatch_cli(empty_db, "install").returncode == 0
    for check in (check_metric, check_package, check_xtrole, check_client):
        result = run(empty_db, check)
        assert result.status == "OK", result.line()
        assert "not an xTuple database" in result.detail
