"""The deploy roles' grants (lib/deploy_permissions.py, every kept folder's deploy_actions.toml)
against what the program declares: GitHub Actions can create, update and delete every resource
type the stacks hold, and call every provider function they call, and nothing is granted for a
type no stack of this project declares."""

from fnmatch import fnmatchcase

import pytest

from lib import deploy_permissions
from policy.rules import DATA_SERVICES
from tests.unit import parts
from tests.unit.mocks import ACCOUNT_ID, Deployment

PERMISSIONS = deploy_permissions.load()
# The only data-plane actions a grant may allow on every resource: each names no resource
# until it exists (Service Authorization Reference), and each is conditioned on the project
# or reads no data. policy/waivers.toml waives the pack's rule for them.
DATA_ACTIONS_ON_EVERY_RESOURCE = {
    "kms:CreateKey",
    "kms:ListAliases",
    "kms:TagResource",
    "lambda:CreateEventSourceMapping",
}


@pytest.fixture(scope="module")
def deployments(request, stack, prod_stack, pr_stack) -> list[Deployment]:
    """Every stack of the suite whose resources the deploy roles manage."""
    found = [stack, prod_stack, pr_stack]
    for fixtures in parts.modules("fixtures"):
        for name in getattr(fixtures, "DEPLOY_ROLE_DEPLOYMENTS", ()):
            value = request.getfixturevalue(name)
            found += list(value.values()) if isinstance(value, dict) else [value]
    return found


def aws_types(deployments: list[Deployment]) -> set[str]:
    return {
        r.type
        for d in deployments
        for r in d.resources
        if r.type.split(":")[0] not in ("tap", "pulumi")
    }


def test_every_declared_resource_type_has_a_deploy_grant(deployments):
    missing = sorted(aws_types(deployments) - PERMISSIONS.types)
    assert not missing, f"add a grant to the deploy_actions.toml of the folder declaring {missing}"


def test_every_called_provider_function_has_a_grant(deployments):
    called = {f for d in deployments for f in d.functions}
    missing = sorted(called - PERMISSIONS.functions)
    assert not missing, f"add a grant to the deploy_actions.toml of the folder calling {missing}"


def test_no_grant_is_for_a_type_no_stack_declares(deployments):
    # A grant left behind by a removed resource would keep its permissions for nothing.
    stale = sorted(PERMISSIONS.types - aws_types(deployments))
    assert not stale, f"grants for types nothing declares: {stale}"


def test_data_actions_on_every_resource_are_only_those_that_name_none():
    every = {
        action
        for grant in PERMISSIONS.grants
        if "*" in grant.resources
        for action in grant.actions
        if action.split(":", 1)[0] in DATA_SERVICES
    }
    assert every <= DATA_ACTIONS_ON_EVERY_RESOURCE
    creates = [
        g
        for g in PERMISSIONS.grants
        if {"kms:CreateKey", "lambda:CreateEventSourceMapping"} & set(g.actions)
    ]
    assert creates and all(grant.condition for grant in creates)


def test_the_buckets_the_stacks_declare_are_the_ones_the_grants_reach(deployments):
    for deployment in deployments:
        # Each stack's own region: the pull-request stack runs in another one than the default.
        values = {
            "partition": "aws",
            "region": deployment.args.region,
            "account": ACCOUNT_ID,
            "project": "p",
        }
        patterns = [
            resource
            for grant in PERMISSIONS.grants
            if "aws:s3/bucket:Bucket" in grant.types
            for resource in deploy_permissions.fill(list(grant.resources), values)
        ]
        for bucket in deployment.of_type("aws:s3/bucket:Bucket"):
            name = bucket.inputs["bucket"]
            assert any(fnmatchcase(f"arn:aws:s3:::{name}", p) for p in patterns), name


def test_the_roles_the_stacks_declare_are_the_ones_the_grants_reach(deployments):
    # role/{project}-* (ManageProjectRoles, iam:PassRole) reaches a role only by its name.
    for deployment in deployments:
        for role in deployment.of_type("aws:iam/role:Role"):
            name = role.inputs["name"]
            assert name.startswith(f"{deployment.args.project}-"), name


GRANT = """
[[grant]]
sid = "ManageWidgets"
why = "the widgets"
types = ["aws:widget/widget:Widget"]
actions = ["widget:CreateWidget"]
resources = ["arn:{partition}:widget:{region}:{account}:widget/{project}-*"]
"""


def write(folder, name: str, text: str) -> None:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_each_folders_grants_are_found_by_folder_and_filled_in(tmp_path):
    lib = tmp_path / "lib"
    write(lib, "deploy_actions.toml", '[pass_role]\nservices = ["lambda.amazonaws.com"]\n')
    write(lib, "widgets/deploy_actions.toml", GRANT)
    loaded = deploy_permissions.load(lib)
    assert [grant.source for grant in loaded.grants] == ["lib/widgets/deploy_actions.toml"]
    assert loaded.pass_role_services == ("lambda.amazonaws.com",)
    values = {"partition": "aws", "region": "eu-west-1", "account": "1", "project": "p"}
    (statement,) = loaded.statements(values)
    assert statement["Resource"] == ["arn:aws:widget:eu-west-1:1:widget/p-*"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[grants]]\n", "unknown tables"),
        (GRANT.replace('why = "the widgets"\n', ""), r"lacks \['why'\]"),
        (GRANT.replace("types =", "type ="), "unknown fields"),
        (GRANT.replace('types = ["aws:widget/widget:Widget"]\n', ""), "no resource type"),
        (GRANT.replace('"ManageWidgets"', '"Manage-Widgets"'), "letters and digits"),
        (GRANT + GRANT, "appear more than once"),
        ("[[grant]", "not valid TOML"),
    ],
)
def test_a_grant_the_account_stack_cannot_use_is_refused_by_file(tmp_path, text, message):
    write(tmp_path / "lib", "widgets/deploy_actions.toml", text)
    with pytest.raises(deploy_permissions.DeployPermissionsError, match=message):
        deploy_permissions.load(tmp_path / "lib")


def test_a_wildcard_action_is_refused_when_the_policy_is_built(tmp_path):
    write(tmp_path / "lib", "widgets/deploy_actions.toml", GRANT.replace("CreateWidget", "*"))
    loaded = deploy_permissions.load(tmp_path / "lib")
    with pytest.raises(ValueError, match="wildcard"):
        loaded.statements({"partition": "aws", "region": "r", "account": "1", "project": "p"})
