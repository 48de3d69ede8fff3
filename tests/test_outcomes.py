import pytest

from cis_app.core import outcomes
from cis_app.core.outcomes import status_problem


@pytest.mark.parametrize(
	"status, grade, problem",
	[
		("Graduated", "12", None),
		("Graduated", "11", "graduation_needs_grade_12"),
		("Promoted", "11", None),
		("Promoted", "12", "grade_12_cannot_be_promoted"),
		("Retained", "12", None),
		("GED", "9", None),
		("GED", "8", "ged_needs_grade_9"),
		("Promoted", "K", None),
		("Promoted", "PK", "pk_has_no_outcome"),
		("Dropped Out", "10", None),
		("Moved", "3", None),
	],
)
def test_status_fits_grade(status, grade, problem):
	assert status_problem(status, grade) == problem


def test_remained_and_unknown():
	assert not outcomes.remained_in_school("Dropped Out")
	assert all(outcomes.remained_in_school(s) for s in outcomes.STATUSES if s != "Dropped Out")
	assert {s for s in outcomes.STATUSES if s in outcomes.UNKNOWN_OUTCOME} == {
		"Transferred",
		"Moved",
		"Deceased",
	}
