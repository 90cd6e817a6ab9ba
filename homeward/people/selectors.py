"""Name search over blind indexes: no plaintext name is ever compared in the database."""

from __future__ import annotations

from collections import defaultdict

from homeward.keys import keyring
from homeward.lib import names
from homeward.people.models import NameKey


def person_ids_matching(query: str, *, within_org_ids: list[int], limit: int = 200) -> list[int]:
    """Ids of people whose names match every token of the query, strongest matches first.

    Each query token becomes up to three keys (exact, folded spelling, consonant skeleton), each HMAC'd under
    every live index key so that rows not yet rotated still match. A person matches when every query token
    matches one of their name tokens at some level; the score adds the strongest level per token.
    """
    token_keys = names.query_keys(query)
    if not token_keys or not within_org_ids:
        return []
    ring = keyring()
    digest_to = {}  # digest -> (token index, level)
    for index, keys in enumerate(token_keys):
        for level, value in keys.items():
            for digest in ring.blind_indexes_all_keys(value, level):
                digest_to[digest] = (index, level)
    rows = (
        NameKey.objects.filter(digest__in=list(digest_to), person__owner_org_id__in=within_org_ids)
        .values_list("person_id", "digest")
        .iterator(chunk_size=5000)
    )
    best: dict[int, dict[int, int]] = defaultdict(dict)
    for person_id, digest in rows:
        index, level = digest_to[digest]
        weight = names.LEVEL_WEIGHT[level]
        if weight > best[person_id].get(index, 0):
            best[person_id][index] = weight
    needed = len(token_keys)
    scored = [(sum(hits.values()), pid) for pid, hits in best.items() if len(hits) == needed]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [pid for _score, pid in scored[:limit]]
