"""Name search over blind indexes: no plaintext name is ever compared in the database."""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, Max, Value, When

from homeward.keys import keyring
from homeward.lib import names
from homeward.people.models import NameKey


def person_ids_matching(query: str, *, within_org_ids: list[int], limit: int = 200) -> list[int]:
    """Ids of people whose names match every token of the query, strongest matches first.

    Each query token becomes up to three keys (exact, folded spelling, consonant skeleton), each HMAC'd under
    every live index key so that rows not yet rotated still match. A person matches when every query token
    matches one of their name tokens at some level; the score adds the strongest level per token.

    The database does the scoring (one GROUP BY person, one MAX per query token, HAVING every token met,
    ORDER BY score, LIMIT), so only the ``limit`` best ids leave it, however common the name.
    """
    token_keys = names.query_keys(query)
    if not token_keys or not within_org_ids:
        return []
    ring = keyring()
    digest_to = {}  # digest -> (token index, level); a digest shared by two tokens counts for the later one
    for index, keys in enumerate(token_keys):
        for level, value in keys.items():
            for digest in ring.blind_indexes_all_keys(value, level):
                digest_to[digest] = (index, level)
    # For each token: its digests, by the weight of their level.
    by_token: list[dict[int, list[str]]] = [{} for _ in token_keys]
    for digest, (index, level) in digest_to.items():
        by_token[index].setdefault(names.LEVEL_WEIGHT[level], []).append(digest)
    if not all(by_token):
        return []  # a token whose every key also belongs to a later token can never be met on its own
    best = {
        f"t{index}": Max(
            Case(
                *[When(digest__in=digests, then=Value(weight)) for weight, digests in sorted(levels.items())],
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        for index, levels in enumerate(by_token)
    }
    score = sum((F(name) for name in best), start=Value(0))
    rows = (
        NameKey.objects.filter(digest__in=list(digest_to), person__owner_org_id__in=within_org_ids)
        .values("person_id")
        .annotate(**best)
        .filter(**{f"{name}__gt": 0 for name in best})
        .annotate(score=score)
        .order_by("-score", "person_id")
        .values_list("person_id", "score")[:limit]
    )
    return [person_id for person_id, _score in rows]
