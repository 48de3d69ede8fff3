"""OneRoster 1.1 / 1.2 roster import, framework-free: read the zip, check rows, plan the changes.

The Frappe layer (Roster Import) opens the file with ``open_package`` (file errors raise
``OneRosterError`` before anything is written), builds a plan with ``build_roster_plan`` from plain
dicts of the district, its sites, school years and students, shows ``summarize_plan`` in a dry run and
applies the plan's decisions in chunks.
"""

from .package import OneRosterError, RosterPackage, RowError, detect_encoding, open_package, read_manifest
from .plan import (
	ACTIONS,
	DEFAULT_MAX_WITHDRAWAL_SHARE,
	DistrictMatch,
	RosterPlan,
	SchoolYearDecision,
	SiteMatch,
	StudentDecision,
	apply_withdrawal_guard,
	match_district,
	match_school,
	match_school_year,
	resolve_school,
	roster_guardians,
	row_log_csv,
	student_changes,
	summarize_plan,
)
from .rules import (
	GRADES_NOT_SERVED,
	RuleError,
	escape_for_export,
	is_formula_like,
	map_grade,
	map_grades,
	map_sex,
	parse_date,
	require_name,
)
from .stream import build_roster_plan, plan_roster_import
