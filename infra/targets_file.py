"""The poller's targets as a file, `targets.json`, in a Lambda layer of their own.

Why a file, and why in a layer: Lambda allows 4 KB of environment variables (about 76 listed
data sources), and SSM parameters hold 4 KB (standard) or 8 KB (advanced), so neither carries
thousands of data sources; a layer holds up to Lambda's 250 MB. A layer is an asset like the
code: CDK names it by the hash of its content, so a deploy publishes a new layer version (and
updates the poller) exactly when the targets change, and leaves both alone when they do not.
A staged copy of the code asset with the file inside would do the same at a cost: a second
asset of the whole package, uploaded again on every targets change, and a notifier whose code
differs from the poller's. Lambda extracts layers into /opt, so the file is at TARGETS_FILE.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Final

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import SyncAuditorConfig
from infra.functions import ARCHITECTURE, RUNTIME

FILE_NAME: Final = "targets.json"
# A directory of our own under /opt, beside the Powertools layer's /opt/python.
LAYER_DIRECTORY: Final = "sync-auditor"
# What the poller's TARGETS_FILE variable says (sync_auditor/settings.py reads it).
TARGETS_FILE: Final = f"/opt/{LAYER_DIRECTORY}/{FILE_NAME}"


def stage_targets(content: str) -> Path:
    """A directory holding the layer's content: LAYER_DIRECTORY/FILE_NAME with `content`.

    CDK fingerprints an asset by its files' paths and bytes, so the same targets give the same
    asset hash wherever they are staged; the directory is named by that content so that
    concurrent synths of different targets never write into one another's.
    """
    digest = hashlib.sha256(content.encode()).hexdigest()[:32]
    root = Path(tempfile.gettempdir()) / f"sync-auditor-targets-{digest}"
    file = root / LAYER_DIRECTORY / FILE_NAME
    file.parent.mkdir(parents=True, exist_ok=True)
    if not file.is_file() or file.read_text(encoding="utf-8") != content:
        # Written whole then renamed: a concurrent synth reads either nothing or all of it.
        handle, partial = tempfile.mkstemp(dir=file.parent, suffix=".partial")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(content)
        os.replace(partial, file)
    return root


def targets_layer(
    scope: Construct, construct_id: str, config: SyncAuditorConfig
) -> lambda_.LayerVersion:
    """The layer that puts the validated targets at TARGETS_FILE (config.targets_json())."""
    return lambda_.LayerVersion(
        scope,
        construct_id,
        code=lambda_.Code.from_asset(str(stage_targets(config.targets_json()))),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        description=f"sync-auditor: the poller's targets ({TARGETS_FILE})",
    )
