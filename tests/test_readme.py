"""The README's permission matrix is the one the DocType JSON grants."""

from .metadata import MATRIX_BEGIN, MATRIX_END, ROOT, permission_matrix


def test_readme_permission_matrix_matches_doctypes():
	readme = (ROOT / "README.md").read_text()
	assert MATRIX_BEGIN in readme and MATRIX_END in readme
	documented = readme.split(MATRIX_BEGIN)[1].split(MATRIX_END)[0].strip()
	assert documented == permission_matrix(), (
		"regenerate: python -c 'from tests.metadata import permission_matrix; print(permission_matrix())'"
	)
