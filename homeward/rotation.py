"""Key rotation without downtime.

1. Stage: new encryption and index keys are added to the key file, the old ones still primary. Running
   processes reload the file within KEY_RELOAD_SECONDS, so every reader learns the new keys before any row
   uses them.
2. Promote: the new keys become primary; new writes use them.
3. Re-encrypt every encrypted column and document, batch by batch, and re-index every name under the new
   index key. Readers keep working throughout: each ciphertext names its key, and searches try every live
   index key.
4. Retire (optional): old keys leave the file once no row uses them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from homeward import keys
from homeward.fields import EncryptedTextField
from homeward.lib.crypto import KeyRing


def encrypted_columns() -> list[tuple[str, list[str]]]:
    out = []
    for model in apps.get_models():
        columns = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if columns:
            out.append((model._meta.db_table, columns))
    return out


def reencrypt_table(table: str, columns: list[str], ring: KeyRing, batch: int = 500) -> int:
    qn = connection.ops.quote_name
    changed = 0
    last_id = 0
    select = f"SELECT id, {', '.join(qn(c) for c in columns)} FROM {qn(table)} WHERE id > %s ORDER BY id"  # noqa: S608
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"{select} LIMIT {int(batch)}", [last_id])
            rows = cursor.fetchall()
            if not rows:
                return changed
            for row in rows:
                row_id, values = row[0], row[1:]
                updates = {}
                for column, value in zip(columns, values, strict=True):
                    if value and KeyRing.key_id_of(value) != ring.encryption.primary:
                        context = f"{table}.{column}"
                        updates[column] = ring.encrypt(ring.decrypt(value, context), context)
                if updates:
                    assignments = ", ".join(f"{qn(c)} = %s" for c in updates)
                    cursor.execute(
                        f"UPDATE {qn(table)} SET {assignments} WHERE id = %s",  # noqa: S608
                        [*updates.values(), row_id],
                    )
                    changed += 1
            last_id = rows[-1][0]


def _reencrypt_files(ring: KeyRing, files: Any) -> int:
    """Re-encrypt stored files, given as (path, context) pairs, that are not yet under the primary key."""
    changed = 0
    for path, context in files:
        if not path.exists():
            continue
        blob = path.read_bytes()
        if KeyRing.key_id_of(blob) == ring.encryption.primary:
            continue
        fresh = ring.encrypt_bytes(ring.decrypt_file_bytes(blob, context), context)
        tmp = path.with_suffix(".rotating")
        tmp.write_bytes(fresh)
        tmp.replace(path)
        changed += 1
    return changed


def reencrypt_documents(ring: KeyRing) -> int:
    from homeward.cases.models import Document
    from homeward.cases.services import _document_context, _document_path

    names = Document.objects.values_list("storage_name", flat=True).iterator()
    return _reencrypt_files(ring, ((_document_path(n), _document_context(n)) for n in names))


def reencrypt_release_files(ring: KeyRing) -> int:
    """Research release files are stored encrypted like documents, and rotate with them."""
    from homeward.research.models import ReleaseFile
    from homeward.research.services import _context, _release_path

    names = ReleaseFile.objects.values_list("storage_name", flat=True).iterator()
    return _reencrypt_files(ring, ((_release_path(n), _context(n)) for n in names))


def reindex_names(ring: KeyRing, batch: int = 500) -> int:
    from homeward.people.models import Person
    from homeward.people.services import person_reindex

    done = 0
    ids = list(
        Person.objects.exclude(name_keys__key_id=ring.index.primary).values_list("id", flat=True).distinct()
    )
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            for person in Person.objects.filter(id__in=ids[start : start + batch]):
                person_reindex(person=person)
                done += 1
    return done


class RotationRefused(Exception):
    pass


def rotate(*, wait_seconds: float, retire: bool, say: Callable[[str], None]) -> dict[str, int]:
    if os.environ.get("HOMEWARD_KEYS"):
        raise RotationRefused(
            "HOMEWARD_KEYS is set: running processes read keys from the environment, not the key file, so a "
            "rotation of the file would not reach them. Move the keys to HOMEWARD_KEY_FILE first."
        )
    path = Path(settings.KEY_FILE)
    current = KeyRing.from_file(path)
    staged = current.with_new_primary()
    # 1. stage: add the new keys but keep the old ones primary
    KeyRing(
        encryption=type(current.encryption)(current.encryption.primary, staged.encryption.keys),
        index=type(current.index)(current.index.primary, staged.index.keys),
        audit=current.audit,
    ).save(path)
    say(
        f"Staged new keys {staged.encryption.primary} / {staged.index.primary}; waiting {wait_seconds:g}s "
        "for running processes to load them."
    )
    time.sleep(wait_seconds)
    # 2. promote, then wait again: a process that has not reloaded yet still writes under the old key, and
    #    those rows must exist before the re-encryption pass below reaches their table.
    staged.save(path)
    keys.reset(staged)
    say(f"New keys are primary; waiting {wait_seconds:g}s for running processes to write with them.")
    time.sleep(wait_seconds)
    say("Re-encrypting.")
    counts = {"rows": 0, "documents": 0, "people_reindexed": 0}
    for table, columns in encrypted_columns():
        counts["rows"] += reencrypt_table(table, columns, staged)
    counts["documents"] = reencrypt_documents(staged) + reencrypt_release_files(staged)
    counts["people_reindexed"] = reindex_names(staged)
    if retire:
        final = staged.retire_except_primary()
        final.save(path)
        keys.reset(final)
        say("Old keys removed from the key file.")
    return counts
