"""Create or update one comment per purpose on a pull request, through the GitHub CLI (gh).

    python scripts/pr_comment.py <purpose> <pull request number> <body file>

The comment starts with a hidden marker line, ``<!-- tap:<purpose> -->``. The script looks for
that marker among the comments the token's own login wrote and edits the first it finds, or
posts a new comment when there is none: each workflow keeps its own comment (the preview's, the
stack outputs') however many times it runs, and never edits another's, nor a person's comment
that quotes the marker. gh reads the token from GH_TOKEN and the repository from
GITHUB_REPOSITORY (or --repo); the exit status is gh's when a call fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

# GitHub refuses a comment body over 65,536 characters; this leaves room for the marker and the
# note that says the body was cut.
MAX_BODY = 60_000
PURPOSE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # no "--", which would end the HTML comment
REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
USAGE = "usage: python scripts/pr_comment.py [--repo OWNER/REPO] PURPOSE PULL_REQUEST BODY_FILE"


class GhFailed(Exception):
    """A gh call that exited non-zero; its status becomes the script's."""

    def __init__(self, returncode: int):
        super().__init__(returncode)
        self.returncode = returncode


class OneLineParser(argparse.ArgumentParser):
    """argparse, refusing bad arguments in one line rather than usage plus error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} ({USAGE})\n")


def marker(purpose: str) -> str:
    """The hidden first line that tells this purpose's comment from every other."""
    return f"<!-- tap:{purpose} -->"


def capped(body: str, limit: int = MAX_BODY) -> str:
    """``body`` cut at a line end to at most ``limit`` characters, saying so when it was cut."""
    if len(body) <= limit:
        return body
    # The note takes at most 80 characters for any body under a billion characters.
    kept = body[: limit - 80]
    kept = kept[: kept.rfind("\n") + 1] or kept
    cut = f"the first {len(kept):,} of {len(body):,} characters"
    return f"{kept}\n\n_(cut to fit a comment: {cut})_\n"


def gh(*args: str, stdin: str | None = None) -> str:
    """Run ``gh args`` and return its output; raise GhFailed with its status if it fails."""
    # The command is gh with arguments this script builds, never a shell string.
    result = subprocess.run(  # noqa: S603
        ["gh", *args],  # noqa: S607 - gh is found on PATH, as the workflow installs it
        # Always a closed stdin, so nothing waits on the terminal or on the runner's pipe.
        input=stdin or "",
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise GhFailed(result.returncode)
    return result.stdout


def own_logins() -> set[str]:
    """The logins the token's own comments carry.

    GET /user refuses a GitHub App installation token (the workflows' GITHUB_TOKEN is one:
    "Resource not accessible by integration"); GraphQL's viewer answers for every kind of token.
    A bot's login is `<app>[bot]` in the REST listing; no user login can contain brackets, so
    accepting both spellings matches only the token's own app.
    """
    login = gh("api", "graphql", "-f", "query={viewer{login}}", "--jq", ".data.viewer.login")
    login = login.strip()
    return {login, login.removesuffix("[bot]"), f"{login.removesuffix('[bot]')}[bot]"}


def json_values(text: str) -> Iterator[object]:
    """Each JSON value in ``text``: `gh api --paginate` prints one array per page, back to back."""
    decoder = json.JSONDecoder()
    position = 0
    while (position := len(text) - len(text[position:].lstrip())) < len(text):
        value, position = decoder.raw_decode(text, position)
        yield value


def find_comment(repository: str, number: int, purpose: str) -> int | None:
    """The id of the first comment the token's login wrote that starts with the marker."""
    listing = gh("api", f"repos/{repository}/issues/{number}/comments?per_page=100", "--paginate")
    logins = own_logins()
    for page in json_values(listing):
        for comment in page if isinstance(page, list) else ():
            first_line = (comment.get("body") or "").split("\n", 1)[0].strip()
            author = (comment.get("user") or {}).get("login")
            if author in logins and first_line == marker(purpose):
                return int(comment["id"])
    return None


def upsert(repository: str, number: int, purpose: str, body: str) -> str:
    """Edit this purpose's comment on pull request ``number``, or post it; the comment's URL."""
    text = capped(f"{marker(purpose)}\n{body}")
    found = find_comment(repository, number, purpose)
    if found is None:
        method, path = "POST", f"repos/{repository}/issues/{number}/comments"
    else:
        method, path = "PATCH", f"repos/{repository}/issues/comments/{found}"
    # The body goes as JSON on stdin: gh's -F would read "true" or "12" as other types.
    answer = gh("api", "--method", method, path, "--input", "-", stdin=json.dumps({"body": text}))
    return json.loads(answer or "{}").get("html_url", path)


def parse(argv: list[str]) -> argparse.Namespace:
    """The arguments, refused in one line (exit status 2) when one is wrong."""
    parser = OneLineParser(prog="scripts/pr_comment.py", description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=os.environ.get("GITHUB_REPOSITORY", ""))
    parser.add_argument("purpose")
    parser.add_argument("pull_request")
    parser.add_argument("body_file", type=Path)
    args = parser.parse_args(argv)
    if not PURPOSE.fullmatch(args.purpose):
        parser.error(f"purpose {args.purpose!r} must be lowercase words joined by single hyphens")
    if not args.pull_request.isdigit() or int(args.pull_request) < 1:
        parser.error(f"pull request {args.pull_request!r} must be a number from 1 up")
    if not REPOSITORY.fullmatch(args.repo):
        parser.error(f"repository {args.repo!r} must be OWNER/REPO (--repo or GITHUB_REPOSITORY)")
    if not args.body_file.is_file():
        parser.error(f"body file {str(args.body_file)!r} does not exist")
    return args


def main(argv: list[str] | None = None) -> int:
    """Create or update the comment; 0, 2 for bad arguments, or gh's own exit status."""
    args = parse(sys.argv[1:] if argv is None else argv)
    body = args.body_file.read_text(encoding="utf-8", errors="replace")
    try:
        url = upsert(args.repo, int(args.pull_request), args.purpose, body)
    except GhFailed as failed:
        return failed.returncode
    print(f"pr_comment: {args.purpose} comment on pull request {args.pull_request}: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
