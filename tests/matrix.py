"""The supported answer combinations, declared once.

The template tests bake every combination here and the benchmark (scripts/bench.py) times them,
so adding a region or a suffix is one edit in this file; a variant brings its own answer
combinations (`shapes` in variants.toml).
"""

from __future__ import annotations

import json
from pathlib import Path

import variant_manifest

ROOT = Path(__file__).resolve().parent.parent
COOKIECUTTER_JSON = json.loads((ROOT / "cookiecutter.json").read_text())

MANIFEST = variant_manifest.load()
# Every variant the template offers today.
VARIANTS: tuple[str, ...] = tuple(MANIFEST.variants)

# Representative regions: the default, two commercial ones with long names, and an opt-in region.
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "af-south-1")
# Every commercial region AWS offers today: the region answer's pattern must accept each, and
# the naming helper must give each its own short code.
COMMERCIAL_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2",
    "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
    "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2",
    "eu-north-1", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
)  # fmt: skip
SUFFIXES = ("dev", "prod", "pr12345")

# The longest answers the pre-gen hook accepts.
LONGEST = {
    "project_name": "N" * 80,
    "project_slug": "l" + "o" * 28 + "g",
    "environment_suffix": "abcdefghijkl",
    "owner": "platform-team-" + "x" * 50,
    "description": "D" * 256,
}


def combinations() -> dict[str, dict[str, str]]:
    """Every combination to bake, by a readable id, as extra_context for cookiecutter."""
    combos: dict[str, dict[str, str]] = {}
    for variant in VARIANTS:
        combos[f"{variant}-defaults"] = {"stack_variant": variant}
        for index, region in enumerate(REGIONS[1:]):
            suffix = SUFFIXES[index % len(SUFFIXES)]
            combos[f"{variant}-{region}-{suffix}"] = {
                "stack_variant": variant,
                "aws_region": region,
                "environment_suffix": suffix,
            }
        combos[f"{variant}-longest-names"] = {
            "stack_variant": variant,
            "aws_region": "ap-southeast-2",
            **LONGEST,
        }
        combos[f"{variant}-no-xray-with-email"] = {
            "stack_variant": variant,
            "environment_suffix": "pr12345",
            "enable_xray": "no",
            "alarm_email": "oncall@example.com",
        }
        for index, shape in enumerate(MANIFEST.variants[variant].shapes):
            combos[f"{variant}-shape{index}"] = {"stack_variant": variant, **shape}
    return combos
