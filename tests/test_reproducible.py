"""Same answers, same project: baking twice gives byte-identical trees."""

import hashlib

import pytest

from tests.conftest import check_keys
from tests.matrix import VARIANTS


def tree(project):
    return {
        path.relative_to(project).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(project.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_baking_twice_gives_identical_trees(cookies, variant):
    answers = {"stack_variant": variant, "run_unit_tests": "no"}
    check_keys(answers)
    first, second = cookies.bake(extra_context=answers), cookies.bake(extra_context=answers)
    assert first.exit_code == second.exit_code == 0
    assert first.project_path != second.project_path
    assert tree(first.project_path) == tree(second.project_path)
