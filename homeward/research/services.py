"""Every write of the research app: datasets and their budgets, releases (built, checked, stored), downloads,
withdrawals. Refusals are audited once the transaction has been rolled back."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import can
from homeward.audit.models import Action
from homeward.audit.services import Refusal, audit_record, audited_refusal
from homeward.cases.services import PermissionDenied404
from homeward.keys import keyring
from homeward.lib.codes import reference
from homeward.research import anonymise, dp
from homeward.research import fields as F
from homeward.research.models import (
    BudgetSpend,
    Dataset,
    Layout,
    Release,
    ReleaseFile,
    ReleaseKind,
    ReleaseStatus,
)

MAX_SUPPRESSION = 0.2
MAX_DP_CELLS = 10_000


def _release_path(storage_name: str) -> Path:
    return Path(settings.DOCUMENT_ROOT) / "releases" / storage_name[:2] / storage_name


def _context(storage_name: str) -> str:
    return f"release:{storage_name}"


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _store(release: Release, layout: str, data: bytes) -> ReleaseFile:
    """Store exactly the bytes that were checked."""
    storage_name = secrets.token_hex(24)
    path = _release_path(storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(keyring().encrypt_bytes(data, _context(storage_name)))
    return ReleaseFile.objects.create(
        release=release,
        layout=layout,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_name=storage_name,
    )


def _refuse(message: str) -> Refusal:
    return Refusal(
        ValidationError(message),
        why=message,
        object_type="release",
        codes=[],
        organisation_id=None,
    )


def _minimum_k(organisation_ids: list[int] | None) -> tuple[int, str]:
    orgs = Organisation.objects.filter(is_external=False)
    if organisation_ids:
        orgs = orgs.filter(id__in=organisation_ids)
    strictest = orgs.order_by("-release_min_k", "name").first()
    return (strictest.release_min_k, strictest.name) if strictest else (2, "")


def _tvd(before: pd.Series, after: pd.Series) -> float:
    p = before.value_counts(normalize=True)
    q = after.value_counts(normalize=True)
    keys = p.index.union(q.index)
    return round(float(0.5 * (p.reindex(keys, fill_value=0) - q.reindex(keys, fill_value=0)).abs().sum()), 4)


def _shuffled(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a random order, so that the order of the file says nothing about the order of the cases."""
    order = np.random.default_rng(secrets.randbits(64)).permutation(len(frame))
    return frame.iloc[order].reset_index(drop=True)


class CheckerMissing(Exception):
    """The separate pycanon environment is not installed or does not answer."""


def pycanon_check(
    files: dict[str, bytes], qi: dict[str, list[str]], sensitive: dict[str, list[str]]
) -> dict[str, Any]:
    """Ask pycanon, in its own environment and process, for k (and l) of each file as written."""
    interpreter = Path(settings.PYCANON_PYTHON)
    if not interpreter.exists():
        raise CheckerMissing(str(interpreter))
    request = {
        "files": {name: data.decode("utf-8") for name, data in files.items()},
        "qi": qi,
        "sensitive": sensitive,
    }
    try:
        done = subprocess.run(  # noqa: S603 - a fixed interpreter and script; the data goes through stdin
            [str(interpreter), str(Path(__file__).with_name("pycanon_check.py"))],
            input=json.dumps(request).encode("utf-8"),
            capture_output=True,
            timeout=600,
            check=False,
            env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CheckerMissing(str(exc)) from exc
    if done.returncode != 0:
        raise CheckerMissing(done.stderr.decode("utf-8", "replace")[-500:])
    return json.loads(done.stdout)


def verify_kanon(files: dict[str, bytes], qis: list[str], sensitive: list[str]) -> dict[str, dict[str, int]]:
    """Check the files as written: k for each layout, l for the HTCDS layout (where each sensitive field is one
    column)."""
    answer = pycanon_check(
        files,
        qi={
            Layout.HTCDS: [F.BY_KEY[q].htcds for q in qis],
            Layout.CTDC: [c for q in qis for c in F.CTDC_QI_COLUMNS[q]],
        },
        sensitive={Layout.HTCDS: [F.BY_KEY[s].htcds for s in sensitive]},
    )
    return {str(Layout.HTCDS): answer[Layout.HTCDS], str(Layout.CTDC): answer[Layout.CTDC]}


def release_kanon(
    *,
    actor: Any,
    title: str,
    purpose: str,
    qis: list[str],
    sensitive: list[str],
    k: int,
    l_div: int,
    max_suppressed: float,
    opened_from: dt.date | None,
    opened_to: dt.date | None,
    organisation_ids: list[int] | None,
    ip: str | None = None,
) -> Release:
    """Build a k-anonymous, l-diverse release of one record per person with research consent in force, check it
    with pycanon, and store it in the CTDC and HTCDS layouts."""
    if not can(actor, Cap.RELEASE_CREATE):
        raise PermissionDenied404

    def work() -> Release:
        started = time.perf_counter()
        unknown = [f for f in [*qis, *sensitive] if f not in F.BY_KEY]
        if unknown or not qis:
            raise _refuse(_("Choose at least one quasi-identifier from the list."))
        if set(qis) & set(sensitive):
            raise _refuse(_("A field is either a quasi-identifier or a sensitive attribute, not both."))
        hierarchies = F.hierarchies()
        for q in qis:
            if q not in hierarchies:
                raise _refuse(
                    _(
                        "“%(field)s” has no generalisation hierarchy, so it cannot be a quasi-identifier. "
                        "Release it as a sensitive attribute, or leave it out."
                    )
                    % {"field": F.BY_KEY[q].label},
                )
        minimum, org_name = _minimum_k(organisation_ids)
        if k < minimum:
            raise _refuse(
                _("k must be at least %(min)d: %(org)s does not allow smaller groups in research releases.")
                % {"min": minimum, "org": org_name},
            )
        if l_div > 1 and not sensitive:
            raise _refuse(_("l-diversity needs at least one sensitive attribute."))
        if l_div > k:
            raise _refuse(_("l cannot be larger than k: a group of k people has at most k values."))
        if not 0 <= max_suppressed <= MAX_SUPPRESSION:
            raise _refuse(_("Leave out at most %(max)d%% of the records.") % {"max": 20})
        cases = F.scope(
            opened_from=opened_from,
            opened_to=opened_to,
            organisation_ids=organisation_ids,
            research_consent=True,
        )
        data = F.person_records(cases)
        if data.empty:
            raise _refuse(_("No case in this period and these organisations has consent to research use."))
        try:
            outcome = anonymise.search(
                data, qis, sensitive, hierarchies, k=k, l_div=l_div, max_suppressed=max_suppressed
            )
        except anonymise.NoSolution:
            raise _refuse(
                _(
                    "No generalisation meets k = %(k)d and l = %(l)d within the suppression budget. Allow more "
                    "suppression, lower l, or choose fewer quasi-identifiers."
                )
                % {"k": k, "l": l_div},
            ) from None
        released = _shuffled(anonymise.apply(data, outcome, hierarchies))
        chosen = [*qis, *sensitive]
        before = data.copy()
        for q, h in outcome.levels.items():
            before[q] = before[q].astype(str).map(lambda v, q=q, h=h: hierarchies[q].label(v, h))
        utility = {
            "information_loss": round(outcome.loss, 4),
            "records_in_scope": len(data),
            "records_suppressed": int(outcome.suppressed.sum()),
            "suppressed_share": round(float(outcome.suppressed.mean()), 4),
            "marginal_distance": {f: _tvd(before[f], released[f]) for f in chosen},
            "lattice_nodes": outcome.nodes,
        }
        frames = {
            Layout.HTCDS: F.htcds_layout(released, chosen),
            Layout.CTDC: F.ctdc_layout(released, chosen),
        }
        files: dict[str, bytes] = {str(lay): _csv_bytes(frame) for lay, frame in frames.items()}
        try:
            checked = verify_kanon(files, qis, sensitive)
        except CheckerMissing:
            raise _refuse(
                _(
                    "The independent check (pycanon) is not available on this server, so no release can be made. "
                    "Ask the administrator to install it (make verifier)."
                ),
            ) from None
        ok = all(v["k"] >= k for v in checked.values()) and (
            l_div <= 1 or checked[Layout.HTCDS].get("l", 0) >= l_div
        )
        with transaction.atomic():
            release = Release.objects.create(
                reference=reference("RL"),
                title=title,
                purpose=purpose,
                kind=ReleaseKind.KANON,
                status=ReleaseStatus.READY if ok else ReleaseStatus.FAILED,
                parameters={
                    "quasi_identifiers": qis,
                    "sensitive": sensitive,
                    "k": k,
                    "l": l_div,
                    "max_suppressed": max_suppressed,
                    "opened_from": opened_from.isoformat() if opened_from else None,
                    "opened_to": opened_to.isoformat() if opened_to else None,
                    "organisations": sorted(organisation_ids or []),
                    "levels": outcome.levels,
                },
                guarantee={"k": outcome.k, "l": outcome.l_div if sensitive else None},
                verification={"pycanon": checked},
                utility=utility,
                records=len(released),
                created_by=actor,
                seconds=round(time.perf_counter() - started, 2),
            )
            for layout, content in files.items():
                _store(release, layout, content)
            audit_record(
                actor=actor,
                action=Action.CREATE,
                object_type="release",
                object_codes=[release.code],
                fields=chosen,
                ip=ip,
            )
        return release

    return audited_refusal(actor, ip, work)


# ---- differentially private counts -------------------------------------------------------------------------
DP_DIMENSIONS = (
    "year",
    "sex",
    "age",
    "origin",
    "citizenship",
    "exploitation_country",
    "exploitation",
    "industry",
)
CTDC_NAMES = {
    "year": "yearOfRegistration",
    "sex": "gender",
    "age": "ageBroad",
    "origin": "originProvince",
    "citizenship": "citizenship",
    "exploitation_country": "CountryOfExploitation",
    "exploitation": "typeOfExploit",
    "industry": "typeOfLabour",
}


def dp_domain(dimension: str, dataset: Dataset) -> list[str]:
    """The categories of a dimension, "Unknown" last."""
    values = _dp_domain(dimension, dataset)
    return [v for v in values if v != anonymise.UNKNOWN] + [anonymise.UNKNOWN]


def _dp_domain(dimension: str, dataset: Dataset) -> list[str]:
    """The categories of a dimension, fixed in advance from public knowledge (never from the data: a category
    that appears only because someone is in the data would give them away)."""
    from homeward.cases.picklists import Exploitation, Gender, Industry

    if dimension == "year":
        return [str(y) for y in range(dataset.opened_from.year, dataset.opened_to.year + 1)]
    if dimension == "sex":
        return [g.value for g in Gender]
    if dimension == "age":
        return [F.age_band(lo) for lo, _hi in F.AGE_BANDS] + [anonymise.UNKNOWN]
    if dimension == "origin":
        return [*sorted(F.regions()), anonymise.UNKNOWN]
    if dimension in ("citizenship", "exploitation_country"):
        return [*F._countries(), anonymise.UNKNOWN]
    if dimension == "exploitation":
        return [e.value for e in Exploitation] + [anonymise.UNKNOWN]
    if dimension == "industry":
        return [i.value for i in Industry] + [anonymise.UNKNOWN]
    raise KeyError(dimension)


def _dp_values(data: pd.DataFrame, dimension: str) -> list[list[str]]:
    """Each person's categories in one dimension (several for a multi-valued field)."""
    if dimension == "age":
        return [[F.age_band(int(v)) if v.isdigit() else anonymise.UNKNOWN] for v in data["age"]]
    if dimension == "origin":
        hierarchy = F.hierarchies()["origin"]
        return [[hierarchy.label(v, 1) if v != anonymise.UNKNOWN else v] for v in data["origin"]]
    if dimension == "exploitation":
        return [v.split(";") for v in data["exploitation"]]
    return [[v] for v in data[dimension]]


def release_dp(
    *,
    actor: Any,
    title: str,
    purpose: str,
    dataset: Dataset,
    dimensions: list[str],
    epsilon: Decimal,
    ip: str | None = None,
) -> Release:
    """Noisy counts of people by one or two dimensions, spending ``epsilon`` from the dataset's budget."""
    if not can(actor, Cap.RELEASE_CREATE):
        raise PermissionDenied404

    def work() -> Release:
        started = time.perf_counter()
        if not 1 <= len(dimensions) <= 2 or len(set(dimensions)) != len(dimensions):
            raise _refuse(_("Choose one or two different dimensions to count by."))
        if any(d not in DP_DIMENSIONS for d in dimensions):
            raise _refuse(_("Choose dimensions from the list."))
        if epsilon <= 0:
            raise _refuse(_("Epsilon must be more than zero."))
        with transaction.atomic():
            locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
            remaining = locked.remaining
            if epsilon > remaining:
                raise _refuse(
                    _(
                        "Epsilon %(asked)s is more than the %(left)s left in the budget of “%(dataset)s”. Ask for "
                        "less, or ask the data-protection officer about a new dataset."
                    )
                    % {"asked": f"{epsilon:.3f}", "left": f"{remaining:.3f}", "dataset": locked.name},
                )
            domains = [dp_domain(d, locked) for d in dimensions]
            cells = int(np.prod([len(d) for d in domains]))
            if cells > MAX_DP_CELLS:
                raise _refuse(_("That table would have more than 10,000 cells: choose smaller dimensions."))
            cases = F.scope(
                opened_from=locked.opened_from,
                opened_to=locked.opened_to,
                organisation_ids=None,
                research_consent=False,
            )
            data = F.person_records(cases)
            index = [{v: i for i, v in enumerate(d)} for d in domains]
            counts = np.zeros([len(d) for d in domains], dtype=np.int64)
            per_dim = [_dp_values(data, d) for d in dimensions]
            for person in range(len(data)):
                combos: list[tuple[int, ...]] = [()]
                for dim, values in enumerate(per_dim):
                    positions = {index[dim].get(v, index[dim][anonymise.UNKNOWN]) for v in values[person]}
                    combos = [(*c, p) for c in combos for p in positions]
                for combo in combos:
                    counts[combo] += 1
            multi = [d for d in dimensions if d == "exploitation"]
            sensitivity = len(domains[dimensions.index("exploitation")]) if multi else 1
            noisy = dp.noisy_counts(counts.ravel().tolist(), epsilon=float(epsilon), sensitivity=sensitivity)
            rows = []
            flat = iter(noisy.counts)
            for combo in np.ndindex(*counts.shape):
                rows.append([domains[dim][i] for dim, i in enumerate(combo)] + [next(flat)])
            htcds = pd.DataFrame(rows, columns=[F.BY_KEY[d].htcds for d in dimensions] + ["count"])
            ctdc = pd.DataFrame(rows, columns=[CTDC_NAMES[d] for d in dimensions] + ["count"])
            spent = Decimal(str(round(noisy.epsilon, 6)))
            release = Release.objects.create(
                reference=reference("RL"),
                title=title,
                purpose=purpose,
                kind=ReleaseKind.DP,
                status=ReleaseStatus.READY,
                dataset=locked,
                parameters={"dimensions": dimensions, "epsilon": str(epsilon)},
                guarantee={
                    "epsilon": float(spent),
                    "delta": 0,
                    "unit": "person",
                    "mechanism": "discrete Laplace (OpenDP make_laplace)",
                    "scale": noisy.scale,
                    "sensitivity": sensitivity,
                },
                verification={"opendp": {"epsilon": noisy.epsilon, "sensitivity": sensitivity}},
                utility={
                    "cells": cells,
                    "mean_absolute_error": round(dp.mean_absolute_error(noisy.scale), 2),
                    "error95": noisy.error95,
                },
                records=cells,
                created_by=actor,
                seconds=round(time.perf_counter() - started, 2),
            )
            BudgetSpend.objects.create(dataset=locked, release=release, epsilon=spent, spent_by=actor)
            _store(release, Layout.HTCDS, _csv_bytes(htcds))
            _store(release, Layout.CTDC, _csv_bytes(ctdc))
            audit_record(
                actor=actor,
                action=Action.CREATE,
                object_type="release",
                object_codes=[release.code],
                fields=dimensions,
                reason=f"epsilon={spent}",
                ip=ip,
            )
        return release

    return audited_refusal(actor, ip, work)


def release_file(*, actor: Any, release: Release, layout: str, ip: str | None = None) -> bytes:
    """The decrypted file of a release that passed its check and has not been withdrawn; audited."""
    if not can(actor, Cap.RELEASE_CREATE):
        raise PermissionDenied404
    if release.status != ReleaseStatus.READY:
        raise ValidationError(_("This release cannot be downloaded."))
    stored = release.files.filter(layout=layout).first()
    if stored is None:
        raise PermissionDenied404
    data = keyring().decrypt_file_bytes(
        _release_path(stored.storage_name).read_bytes(), _context(stored.storage_name)
    )
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise ValidationError(_("The stored file does not match its checksum; it has not been sent."))
    audit_record(
        actor=actor,
        action=Action.DOWNLOAD,
        object_type="release",
        object_codes=[release.code],
        fields=[layout],
        ip=ip,
    )
    return data


@transaction.atomic
def release_withdraw(*, actor: Any, release: Release, reason: str, ip: str | None = None) -> Release:
    if not can(actor, Cap.RELEASE_MANAGE):
        raise PermissionDenied404
    if release.status == ReleaseStatus.WITHDRAWN:
        raise ValidationError(_("This release has already been withdrawn."))
    if not reason.strip():
        raise ValidationError(_("Say why the release is withdrawn."))
    release.status = ReleaseStatus.WITHDRAWN
    release.withdrawn_at = timezone.now()
    release.save(update_fields=["status", "withdrawn_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="release",
        object_codes=[release.code],
        reason=reason,
        ip=ip,
    )
    return release


@transaction.atomic
def dataset_save(
    *,
    actor: Any,
    name: str,
    description: str,
    opened_from: dt.date,
    opened_to: dt.date,
    epsilon_budget: Decimal,
    dataset: Dataset | None = None,
    ip: str | None = None,
) -> Dataset:
    if not can(actor, Cap.RELEASE_MANAGE):
        raise PermissionDenied404
    if opened_to < opened_from:
        raise ValidationError(_("The end of the period comes before its start."))
    if not Decimal("0.01") <= epsilon_budget <= Decimal("20"):
        raise ValidationError(_("A privacy budget is between 0.01 and 20."))
    if dataset is None:
        dataset = Dataset(created_by=actor)
    else:
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if epsilon_budget < dataset.spent:
            raise ValidationError(
                _("The budget cannot be less than what has already been spent (%(spent)s).")
                % {"spent": dataset.spent}
            )
        if dataset.spends.exists() and (opened_from, opened_to) != (dataset.opened_from, dataset.opened_to):
            raise ValidationError(
                _("Counts have been drawn from this dataset: its period can no longer change.")
            )
    dataset.name = name
    dataset.description = description
    dataset.opened_from = opened_from
    dataset.opened_to = opened_to
    dataset.epsilon_budget = epsilon_budget
    dataset.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="dataset",
        object_codes=[dataset.code],
        reason=f"epsilon_budget={epsilon_budget}",
        ip=ip,
    )
    return dataset
