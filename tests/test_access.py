from cis_app.core.access import permitted_sites, sql_in_condition

SITES = {"Aff A": ["A1", "A2"], "Aff B": ["B1"]}


def test_no_assignment_means_no_site():
	assert permitted_sites([], [], SITES, "2025-10-01") == frozenset()


def test_current_site_assignment_grants_that_site_only():
	rows = [{"site": "A1", "from_date": "2025-08-01", "to_date": None}]
	assert permitted_sites(rows, [], SITES, "2025-10-01") == {"A1"}


def test_ended_or_future_assignment_grants_nothing():
	ended = [{"site": "A1", "from_date": "2024-08-01", "to_date": "2025-06-30"}]
	future = [{"site": "A2", "from_date": "2026-08-01", "to_date": None}]
	assert permitted_sites(ended + future, [], SITES, "2025-10-01") == frozenset()
	assert permitted_sites(ended, [], SITES, "2025-06-30") == {"A1"}


def test_affiliate_assignment_grants_all_its_sites():
	rows = [{"affiliate": "Aff A", "from_date": None, "to_date": None}]
	assert permitted_sites([], rows, SITES, "2025-10-01") == {"A1", "A2"}


def test_unknown_affiliate_grants_nothing():
	rows = [{"affiliate": "Aff Z", "from_date": None, "to_date": None}]
	assert permitted_sites([], rows, SITES, "2025-10-01") == frozenset()


def test_sql_condition_is_a_plain_in_and_denies_when_empty():
	escape = lambda v: "'" + v.replace("'", "\\'") + "'"  # noqa: E731
	assert sql_in_condition("`tabStudent`.`site`", [], escape) == "1=0"
	assert (
		sql_in_condition("`tabStudent`.`site`", ["B", "A", "A"], escape)
		== "`tabStudent`.`site` in ('A', 'B')"
	)
	assert "ifnull" not in sql_in_condition("site", ["O'Hara"], escape)
	assert sql_in_condition("site", ["O'Hara"], escape) == "site in ('O\\'Hara')"


def test_affiliates_come_from_current_affiliate_rows_and_served_sites():
	from cis_app.core.access import permitted_affiliates

	rows = [
		{"affiliate": "A", "from_date": "2026-01-01", "to_date": None},
		{"affiliate": "B", "from_date": "2020-01-01", "to_date": "2021-01-01"},
	]
	assert permitted_affiliates(rows, [], "2026-11-29") == {"A"}
	assert permitted_affiliates([], ["C", None], "2026-11-29") == {"C"}
	assert permitted_affiliates([], [], "2026-11-29") == frozenset()
