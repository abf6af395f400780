"""scripts/pr_comment.py keeps one comment per purpose on a pull request, against a stand-in gh.

The stand-in records each call (arguments and stdin) and answers as GitHub's API would: the
token's login for GraphQL's viewer, the comment listing as `gh api --paginate` prints it (one
JSON array per page, back to back), and the created or edited comment.
"""

import json
import os
import stat

import pytest

from scripts import pr_comment

BOT = "github-actions[bot]"
REPOSITORY = "octo/service"
# The stand-in gh: a shell script, as a Python one would start an interpreter on every call. It
# keeps each call's arguments (NUL-separated) and stdin in files numbered in call order.
STAND_IN = """#!/usr/bin/env bash
shopt -s nullglob
made=0
for args in "$GH_CALLS"/*.args; do made=$((made + 1)); done
printf -v call '%s/%04d' "$GH_CALLS" "$made"
cat > "$call.stdin"
printf '%s\\0' "$@" > "$call.args"
if [ -n "${GH_FAIL:-}" ]; then
  echo "HTTP 403: Resource not accessible by integration" >&2
  exit "$GH_FAIL"
fi
paginate=false
for arg in "$@"; do [ "$arg" = --paginate ] && paginate=true; done
if [ "$1" = api ] && [ "$2" = graphql ]; then
  echo "$GH_LOGIN"
elif "$paginate"; then
  cat "$GH_LISTING"
else
  printf '{"html_url": "https://github.com/%s"}\\n' "$4"
fi
"""


def comment(comment_id: int, login: str, body: str) -> dict:
    """One comment as GitHub's issue-comment listing returns it (the fields the script reads)."""
    return {"id": comment_id, "user": {"login": login, "type": "Bot"}, "body": body}


@pytest.fixture
def gh(tmp_path, monkeypatch):
    """Put the stand-in gh first on PATH; return (listing writer, the calls made so far)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    executable = bin_dir / "gh"
    executable.write_text(STAND_IN)
    executable.chmod(executable.stat().st_mode | stat.S_IXUSR)
    calls, listing = tmp_path / "calls", tmp_path / "listing.json"
    calls.mkdir()
    listing.write_text("[]")
    # The stand-in runs on bash and cat: keep the system's default path when PATH is empty.
    system_path = os.environ.get("PATH") or os.defpath
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{system_path}")
    monkeypatch.setenv("GH_CALLS", str(calls))
    monkeypatch.setenv("GH_LISTING", str(listing))
    monkeypatch.setenv("GH_LOGIN", BOT)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPOSITORY)
    monkeypatch.delenv("GH_FAIL", raising=False)

    def pages(*comments_by_page: list[dict]) -> None:
        listing.write_text("".join(json.dumps(page) for page in comments_by_page))

    def made() -> list[dict]:
        return [
            {
                "args": args.read_text(encoding="utf-8").split("\0")[:-1],
                "stdin": args.with_suffix(".stdin").read_text(encoding="utf-8"),
            }
            for args in sorted(calls.glob("*.args"))
        ]

    return pages, made


@pytest.fixture
def body_file(tmp_path):
    path = tmp_path / "body.md"
    path.write_text("### TapStackpr7 preview: success\n")
    return path


def writes(calls: list[dict]) -> list[tuple[str, str, str]]:
    """The POST and PATCH calls: (method, API path, the body sent)."""
    return [
        (call["args"][2], call["args"][3], json.loads(call["stdin"])["body"])
        for call in calls
        if call["args"][:2] == ["api", "--method"]
    ]


def test_creates_the_comment_when_no_marked_comment_exists(gh, body_file, capsys):
    pages, made = gh
    pages([comment(1, BOT, "<!-- tap:outputs -->\nthe outputs"), comment(2, "alice", "LGTM")])
    assert pr_comment.main(["preview", "7", str(body_file)]) == 0
    calls = made()
    listing = calls[0]["args"]
    assert listing[:2] == ["api", f"repos/{REPOSITORY}/issues/7/comments?per_page=100"]
    assert "--paginate" in listing
    assert writes(calls) == [
        (
            "POST",
            f"repos/{REPOSITORY}/issues/7/comments",
            "<!-- tap:preview -->\n### TapStackpr7 preview: success\n",
        )
    ]
    assert capsys.readouterr().out.count("\n") == 1


def test_updates_the_marked_comment_and_not_another_bot_comment(gh, body_file):
    pages, made = gh
    # The marked comment is on the listing's second page.
    pages(
        [comment(11, BOT, "<!-- tap:outputs -->\nthe outputs"), comment(12, BOT, "a note")],
        [comment(13, BOT, "<!-- tap:preview -->\nthe last preview")],
    )
    assert pr_comment.main(["preview", "7", str(body_file)]) == 0
    ((method, path, body),) = writes(made())
    assert (method, path) == ("PATCH", f"repos/{REPOSITORY}/issues/comments/13")
    assert body.startswith("<!-- tap:preview -->\n### TapStackpr7")


def test_ignores_other_users_comments_that_carry_the_marker(gh, body_file):
    pages, made = gh
    quoted = "<!-- tap:preview -->\nquoting the bot"
    pages([comment(21, "alice", quoted), comment(22, "mallory[bot]", quoted)])
    assert pr_comment.main(["preview", "7", str(body_file)]) == 0
    ((method, path, _),) = writes(made())
    assert (method, path) == ("POST", f"repos/{REPOSITORY}/issues/7/comments")


def test_a_users_token_finds_the_comments_it_wrote(gh, body_file, monkeypatch):
    pages, made = gh
    monkeypatch.setenv("GH_LOGIN", "alice")
    marked = "<!-- tap:preview -->\nthe last preview"
    pages([comment(31, BOT, marked), comment(32, "alice", marked)])
    assert pr_comment.main(["preview", "7", str(body_file)]) == 0
    ((method, path, _),) = writes(made())
    assert (method, path) == ("PATCH", f"repos/{REPOSITORY}/issues/comments/32")


def test_caps_the_body_well_under_githubs_comment_limit(gh, tmp_path):
    _, made = gh
    big = tmp_path / "big.md"
    big.write_text("".join(f"line {n:06d} of the preview\n" for n in range(10_000)))
    assert pr_comment.main(["preview", "7", str(big)]) == 0
    ((_, _, body),) = writes(made())
    # GitHub refuses a comment body over 65,536 characters.
    assert len(body) <= pr_comment.MAX_BODY < 65_536
    assert body.startswith("<!-- tap:preview -->\nline 000000 of the preview\n")
    assert body.rstrip().endswith(f"of {len(big.read_text()) + 21:,} characters)_")


def test_a_failed_gh_call_ends_with_ghs_exit_status(gh, body_file, monkeypatch, capsys):
    _, made = gh
    monkeypatch.setenv("GH_FAIL", "4")
    assert pr_comment.main(["preview", "7", str(body_file)]) == 4
    assert "Resource not accessible" in capsys.readouterr().err
    assert writes(made()) == []


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["Preview", "7", "BODY"], "purpose 'Preview'"),
        (["pre--view", "7", "BODY"], "purpose 'pre--view'"),
        (["preview", "seven", "BODY"], "pull request 'seven'"),
        (["preview", "0", "BODY"], "pull request '0'"),
        (["preview", "7", "BODY", "--repo", "no-owner"], "repository 'no-owner'"),
        (["preview", "7", "missing.md"], "body file 'missing.md'"),
        (["preview"], "the following arguments are required"),
    ],
)
def test_refuses_bad_arguments_in_one_line(gh, body_file, argv, says, capsys):
    _, made = gh
    with pytest.raises(SystemExit) as stopped:
        pr_comment.main([str(body_file) if arg == "BODY" else arg for arg in argv])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and says in error, error
    assert made() == []
