"""The permission matrix of the administrator's guide is the one the DocType JSON grants."""

from .metadata import MATRIX_BEGIN, MATRIX_DOC, MATRIX_END, ROOT, permission_matrix


def test_the_guides_permission_matrix_matches_doctypes():
	guide = (ROOT / MATRIX_DOC).read_text()
	assert guide.count(MATRIX_BEGIN) == 1 and guide.count(MATRIX_END) == 1
	documented = guide.split(MATRIX_BEGIN)[1].split(MATRIX_END)[0].strip()
	assert documented == permission_matrix(), (
		"regenerate: python -c 'from tests.metadata import permission_matrix; print(permission_matrix())'"
	)


def test_the_matrix_has_one_home():
	"""No other page carries a copy of the matrix that could drift from it."""
	pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
	holders = [p.relative_to(ROOT).as_posix() for p in pages if MATRIX_BEGIN in p.read_text()]
	assert holders == [MATRIX_DOC]
