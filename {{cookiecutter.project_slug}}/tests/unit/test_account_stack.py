"""The account program's shared pieces (lib/account_stack.py): GitHub's OIDC provider, the two
deploy roles, and the self-managed backend's state bucket and secrets key."""

import re

import pytest

from lib.github_deploy import (
    DEPLOY_SUBJECTS,
    GITHUB_OIDC_HOST,
    GITHUB_OIDC_URL,
    MANAGED_POLICY_MAX_CHARACTERS,
    MAX_SESSION_SECONDS,
    PROD_SUBJECTS,
    STATE_KEY_ACTIONS,
    STATE_OBJECT_ACTIONS,
    document_size,
    split_into_policies,
)
from lib.naming import NAME_RULES, region_code
from policy.model import Resource
from policy.rules import no_wildcard_actions
from tests.unit.account_program import (
    ACCOUNT_PROJECT,
    EXISTING_PROVIDER_ARN,
    GITHUB_REPOSITORY,
    deploy_account,
)
from tests.unit.mocks import ACCOUNT_ID, DEFAULT_REGION, RecordingMocks

PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
BUCKET = "aws:s3/bucket:Bucket"
KEY = "aws:kms/key:Key"
GITHUB_OUTPUTS = {"githubDeployRoleArn", "githubProdDeployRoleArn"}
BACKEND_OUTPUTS = {"stateBucketName", "backendUrl", "secretsProviderUrl"}
WITH_ROLES = ["account_stack", "adopting_account_stack"]


def deploy_role(deployment, prod: bool = False):
    return deployment.one(ROLE, "github-deploy-prod-role" if prod else "github-deploy-role")


def trust(deployment, prod: bool = False) -> dict:
    (statement,) = deploy_role(deployment, prod).json("assumeRolePolicy")["Statement"]
    return statement


def managed_policies(deployment, role) -> list[dict]:
    """The documents of the managed policies attached to ``role``."""
    arns = {
        a.inputs["policyArn"]
        for a in deployment.of_type(ATTACHMENT)
        if a.inputs["role"] == role.outputs["name"]
    }
    return [p.json("policy") for p in deployment.of_type(POLICY) if p.outputs["arn"] in arns]


def inline_policy(deployment, role) -> dict:
    (policy,) = [
        p for p in deployment.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["id"]
    ]
    return policy.json("policy")


def allowed(deployment, role) -> list[dict]:
    """Every Allow statement ``role`` holds, managed and inline."""
    documents = [*managed_policies(deployment, role), inline_policy(deployment, role)]
    return [s for d in documents for s in d["Statement"] if s["Effect"] == "Allow"]


def test_the_account_stack_creates_githubs_oidc_provider_for_sts(account_stack):
    provider = account_stack.one(PROVIDER)
    assert provider.inputs["url"] == GITHUB_OIDC_URL
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    # IAM verifies GitHub's certificate against its trusted CAs; no thumbprint to go stale.
    assert not provider.inputs.get("thumbprintLists")
    for prod in (False, True):
        assert trust(account_stack, prod)["Principal"] == {"Federated": provider.outputs["arn"]}


def test_an_existing_provider_is_adopted_and_none_created(adopting_account_stack):
    # IAM holds one provider per URL and account: a second one fails to create.
    assert not adopting_account_stack.of_type(PROVIDER)
    for prod in (False, True):
        statement = trust(adopting_account_stack, prod)
        assert statement["Principal"] == {"Federated": EXISTING_PROVIDER_ARN}


@pytest.mark.parametrize("deployment", WITH_ROLES)
@pytest.mark.parametrize("prod", [False, True])
def test_the_roles_trust_only_githubs_tokens_for_sts(request, deployment, prod):
    statement = trust(request.getfixturevalue(deployment), prod)
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["sts:AssumeRoleWithWebIdentity"]
    assert set(statement["Condition"]) == {"StringEquals"}, "no StringLike, so no wildcard"
    assert statement["Condition"]["StringEquals"][f"{GITHUB_OIDC_HOST}:aud"] == "sts.amazonaws.com"


@pytest.mark.parametrize("deployment", WITH_ROLES)
def test_the_deploy_role_trusts_the_repositorys_pull_requests_main_dev_and_staging(
    request, deployment
):
    subjects = trust(request.getfixturevalue(deployment))["Condition"]["StringEquals"]
    assert subjects[f"{GITHUB_OIDC_HOST}:sub"] == [
        f"repo:{GITHUB_REPOSITORY}:pull_request",
        f"repo:{GITHUB_REPOSITORY}:ref:refs/heads/main",
        f"repo:{GITHUB_REPOSITORY}:environment:dev",
        f"repo:{GITHUB_REPOSITORY}:environment:staging",
    ]
    assert len(DEPLOY_SUBJECTS) == 4


@pytest.mark.parametrize("deployment", WITH_ROLES)
def test_the_prod_deploy_role_trusts_only_the_prod_environment(request, deployment):
    subjects = trust(request.getfixturevalue(deployment), prod=True)["Condition"]["StringEquals"]
    assert subjects[f"{GITHUB_OIDC_HOST}:sub"] == [f"repo:{GITHUB_REPOSITORY}:environment:prod"]
    assert PROD_SUBJECTS == ("environment:prod",)


@pytest.mark.parametrize("prod", [False, True])
def test_sessions_last_at_most_an_hour(account_stack, prod):
    assert (
        deploy_role(account_stack, prod).inputs["maxSessionDuration"] == MAX_SESSION_SECONDS == 3600
    )


def test_role_and_policy_names_carry_the_region_and_fit_iam(account_stack, adopting_account_stack):
    # IAM names are account-wide: each region's account stack needs names of its own.
    names = set()
    for deployment in (account_stack, adopting_account_stack):
        code = region_code(deployment.args.region)
        for resource in [*deployment.of_type(ROLE), *deployment.of_type(POLICY)]:
            name = resource.inputs["name"]
            kind = "iam_role" if resource.type == ROLE else "iam_policy"
            assert len(name) <= NAME_RULES[kind].max_length, name
            assert f"-{code}-account" in name, name
            names.add(name)
    roles = [r for d in (account_stack, adopting_account_stack) for r in d.of_type(ROLE)]
    assert len({r.inputs["name"] for r in roles}) == len(roles)


@pytest.mark.parametrize("deployment", WITH_ROLES)
def test_the_deploy_policies_allow_no_wildcard_action_nor_not_action(request, deployment):
    deployment = request.getfixturevalue(deployment)
    for resource in [*deployment.of_type(POLICY), *deployment.of_type(ROLE_POLICY)]:
        document = resource.json("policy")
        declared = Resource(resource.type, resource.name, {"policy": document})
        assert list(no_wildcard_actions(declared)) == [], resource.name
        for statement in document["Statement"]:
            assert "NotAction" not in statement and "NotResource" not in statement


@pytest.mark.parametrize("prod", [False, True])
def test_both_roles_hold_the_deploy_policies(account_stack, prod):
    role = deploy_role(account_stack, prod)
    granted = [p for p in account_stack.of_type(POLICY) if "-github-deploy-policy-" in p.name]
    assert granted
    documents = managed_policies(account_stack, role)
    assert all(p.json("policy") in documents for p in granted)


def deny_statements(deployment, role) -> list[dict]:
    documents = [*managed_policies(deployment, role), inline_policy(deployment, role)]
    return [s for d in documents for s in d["Statement"] if s["Effect"] == "Deny"]


@pytest.mark.parametrize("deployment", WITH_ROLES)
def test_only_the_prod_role_may_change_what_is_tagged_prod(request, deployment):
    deployment = request.getfixturevalue(deployment)
    role = deploy_role(deployment)
    guards = {s["Sid"]: s for s in deny_statements(deployment, role)}
    # What the grants allow beyond reading (the state's own access has its guard below).
    writes = {
        a
        for document in managed_policies(deployment, role)
        for s in document["Statement"]
        if s["Effect"] == "Allow"
        for a in s["Action"]
        if not re.search(r":(Get|List|Describe|Head|GET)", a)
    }
    for sid, key in (
        ("LeaveProdResourcesAlone", "aws:ResourceTag/Environment"),
        ("CreateNothingForProd", "aws:RequestTag/Environment"),
    ):
        assert guards[sid]["Condition"] == {"StringEquals": {key: "prod"}}
        assert guards[sid]["Resource"] == ["*"]
        assert writes - {"iam:PassRole"} <= set(guards[sid]["Action"])
    prod_guards = {s["Sid"] for s in deny_statements(deployment, deploy_role(deployment, True))}
    assert not {"LeaveProdResourcesAlone", "CreateNothingForProd"} & prod_guards


def test_only_the_prod_role_may_touch_the_prod_stacks_state(account_stack):
    bucket = f"arn:aws:s3:::{account_stack.one(BUCKET).inputs['bucket']}"
    (guard,) = [
        s
        for s in deny_statements(account_stack, deploy_role(account_stack))
        if s["Sid"] == "LeaveProdStateAlone"
    ]
    assert guard["Resource"] == [f"{bucket}/.pulumi/*/TapStackprod*"]
    assert guard["Action"] == sorted(STATE_OBJECT_ACTIONS)
    prod = deny_statements(account_stack, deploy_role(account_stack, True))
    assert "LeaveProdStateAlone" not in {s["Sid"] for s in prod}


def test_each_deploy_policy_fits_iams_managed_policy_size(account_stack):
    # AWS rule: a managed policy holds at most 6,144 characters, whitespace not counted.
    for policy in account_stack.of_type(POLICY):
        assert document_size(policy.json("policy")["Statement"]) <= MANAGED_POLICY_MAX_CHARACTERS


def test_pass_role_is_the_projects_roles_to_their_services_only(account_stack):
    passing = [
        s
        for s in allowed(account_stack, deploy_role(account_stack))
        if "iam:PassRole" in s["Action"]
    ]
    for statement in passing:
        assert statement["Action"] == ["iam:PassRole"]
        project = account_stack.args.project
        assert statement["Resource"] == [f"arn:aws:iam::{ACCOUNT_ID}:role/{project}-*"]
        services = statement["Condition"]["StringEquals"]["iam:PassedToService"]
        assert services and all(s.endswith(".amazonaws.com") for s in services)


@pytest.mark.parametrize("prod", [False, True])
def test_the_roles_cannot_change_the_account_stacks_roles_bucket_or_key(account_stack, prod):
    role = deploy_role(account_stack, prod)
    (guard,) = [s for s in inline_policy(account_stack, role)["Statement"] if s["Effect"] == "Deny"]
    project = account_stack.args.project
    assert f"arn:aws:iam::{ACCOUNT_ID}:role/{project}-*-account" in guard["Resource"]
    bucket = account_stack.one(BUCKET)
    assert f"arn:aws:s3:::{bucket.inputs['bucket']}" in guard["Resource"]
    assert account_stack.one(KEY).outputs["arn"] in guard["Resource"]
    granted = {a for s in allowed(account_stack, role) for a in s["Action"]}
    writes = {
        a
        for a in granted
        if re.match(
            r"(iam:(Create|Delete|Put|Update|Attach|Pass)|s3:(Delete|Put)Bucket|kms:(Put|Schedule|Disable))",
            a,
        )
    }
    assert writes and writes <= set(guard["Action"])
    assert not set(guard["Action"]) & {*STATE_KEY_ACTIONS, "s3:ListBucket"}


def test_the_state_bucket_is_named_for_the_account_and_region_and_kept(account_stack):
    bucket = account_stack.one(BUCKET)
    name = bucket.inputs["bucket"]
    # S3 names are global: the account id and the region keep them apart.
    assert f"-{ACCOUNT_ID}-{DEFAULT_REGION}-" in name and len(name) <= 63
    assert bucket.inputs.get("forceDestroy") is not True
    assert bucket.options["protect"] and account_stack.one(KEY).options["protect"]


def test_the_state_bucket_encrypts_with_the_state_key_which_rotates(account_stack):
    key = account_stack.one(KEY)
    (rule,) = account_stack.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key.outputs["arn"],
    }
    assert key.inputs["enableKeyRotation"] is True
    (delegation,) = key.json("policy")["Statement"]
    assert delegation["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}


@pytest.mark.parametrize("prod", [False, True])
def test_the_roles_read_and_write_state_and_use_the_state_key(account_stack, prod):
    statements = {
        s["Sid"]: s
        for s in inline_policy(account_stack, deploy_role(account_stack, prod))["Statement"]
    }
    bucket = f"arn:aws:s3:::{account_stack.one(BUCKET).inputs['bucket']}"
    assert statements["ReadAndWriteState"]["Resource"] == [f"{bucket}/*"]
    assert statements["ReadAndWriteState"]["Action"] == sorted(STATE_OBJECT_ACTIONS)
    assert statements["ListState"]["Resource"] == [bucket]
    assert statements["UseTheStateKey"]["Resource"] == [account_stack.one(KEY).outputs["arn"]]


def test_the_outputs_are_the_ones_the_workflows_read(account_stack):
    outputs = account_stack.outputs
    assert GITHUB_OUTPUTS | BACKEND_OUTPUTS <= set(outputs)
    assert outputs["githubDeployRoleArn"] == deploy_role(account_stack).outputs["arn"]
    assert outputs["githubProdDeployRoleArn"] == deploy_role(account_stack, True).outputs["arn"]
    bucket = account_stack.one(BUCKET).inputs["bucket"]
    assert outputs["stateBucketName"] == bucket
    assert outputs["backendUrl"] == f"s3://{bucket}"
    key_id = account_stack.one(KEY).outputs["keyId"]
    assert outputs["secretsProviderUrl"] == f"awskms://{key_id}?region={DEFAULT_REGION}"
    assert set(account_stack.exports) == set(outputs)


def test_only_what_was_created_is_an_output(adopting_account_stack, bare_account_stack):
    assert GITHUB_OUTPUTS <= set(adopting_account_stack.outputs)
    assert not BACKEND_OUTPUTS & set(adopting_account_stack.outputs)
    assert not (GITHUB_OUTPUTS | BACKEND_OUTPUTS) & set(bare_account_stack.outputs)
    assert not [
        r for r in bare_account_stack.resources if r.type in (PROVIDER, BUCKET, KEY, POLICY)
    ]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"githubRepository": "octo-org/orders api"}, "config githubRepository"),
        ({"githubRepository": "repo:x/y:*"}, "config githubRepository"),
        ({"githubOidcProviderArn": EXISTING_PROVIDER_ARN}, "needs githubRepository"),
        (
            {
                "githubRepository": GITHUB_REPOSITORY,
                "githubOidcProviderArn": "arn:aws:iam::1:oidc-provider/x",
            },
            "config githubOidcProviderArn",
        ),
        ({"selfManagedBackend": "yes"}, "config selfManagedBackend"),
    ],
)
def test_a_bad_setting_stops_the_account_program_before_any_resource(config, message):
    mocks = RecordingMocks(DEFAULT_REGION)
    with pytest.raises(SystemExit, match=message):
        deploy_account(
            DEFAULT_REGION,
            config={f"{ACCOUNT_PROJECT}:{key}": value for key, value in config.items()},
            mocks=mocks,
        )
    assert mocks.resources == []


def test_statements_are_split_into_policies_that_fit_and_keep_their_order():
    statements = [
        {"Sid": f"S{n}", "Effect": "Allow", "Action": [f"svc:Action{n}"], "Resource": ["*"]}
        for n in range(200)
    ]
    documents = split_into_policies(statements, limit=1000)
    assert len(documents) > 1
    assert all(document_size(document) <= 1000 for document in documents)
    assert [s for document in documents for s in document] == statements
    with pytest.raises(ValueError, match="alone exceeds"):
        split_into_policies(statements, limit=10)
