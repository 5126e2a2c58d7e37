"""Both result caches pass one suite: in-process and Redis over a real connection."""

from __future__ import annotations

import asyncio
import functools
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from pydantic import TypeAdapter
from redis.asyncio import Redis
from structlog.testing import capture_logs

from eligate.eligibility import (
    CachedAnswer,
    CacheKey,
    CacheUsageError,
    KeyRing,
    MemoryCache,
    RedisCache,
    ResultCache,
)
from eligate.eligibility._cache_codec import encode_answer
from eligate.normalizer import EligibilityResult, normalize
from eligate.validators import gate
from tests.factories import make_271
from tests.strategies import CacheOp, cache_ops

TTL = timedelta(milliseconds=300)
STALE_FOR = timedelta(milliseconds=500)
SALT = b"test-salt-0123456789abcdef"
SEALING = KeyRing.parse("cache1:" + "Q" * 43)

KEY = CacheKey(
    payer_id="synpayer",
    member_id="SYN000123",
    patient="subscriber",
    service_types=("30",),
    date_of_service=date(2026, 11, 23),
)


def _answer(plan: str = "GOLD PPO") -> CachedAnswer:
    raw = make_271(f"EB*1*IND*30*PR*{plan}", "EB*C*IND*30***23*2500*****Y")
    return CachedAnswer(
        results=tuple(gate(normalize(raw), raw)),
        answered_at=datetime(2026, 11, 23, 6, 47, 12, 345678, tzinfo=UTC),
    )


class _FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Subject:
    """A cache under test and how to let time pass for it."""

    name: str
    cache: ResultCache
    advance: Callable[[float], Awaitable[None]]


@pytest.fixture(params=["memory", "redis", "redis-sealed"])
async def subject(
    request: pytest.FixtureRequest, redis_client: Redis, redis_prefix: str
) -> AsyncIterator[Subject]:
    """The same suite runs on the in-process cache and on Redis (unique prefix per test)."""
    if request.param == "memory":
        clock = _FakeClock()

        async def tick(seconds: float) -> None:
            clock.now += seconds

        yield Subject(
            "memory", MemoryCache(max_entries=100, stale_for=STALE_FOR, clock=clock), tick
        )
        return

    async def wait(seconds: float) -> None:
        await asyncio.sleep(seconds)

    keys = SEALING if request.param == "redis-sealed" else None
    cache = RedisCache(redis_client, salt=SALT, prefix=redis_prefix, stale_for=STALE_FOR, keys=keys)
    yield Subject(request.param, cache, wait)


async def test_miss_is_none(subject: Subject) -> None:
    """A key never stored is a miss, fresh or stale."""
    assert await subject.cache.get(KEY) is None
    assert await subject.cache.get_stale(KEY) is None


async def test_put_then_get_round_trips_equal_models(subject: Subject) -> None:
    """What comes back equals what went in: every result model and the answer time."""
    answer = _answer()
    await subject.cache.put(KEY, answer, ttl=timedelta(minutes=15))
    got = await subject.cache.get(KEY)
    assert got is not None
    assert got.results == answer.results
    assert got.answered_at == answer.answered_at
    assert got.results[0].validation is not None
    assert got.results[0].validation.verdict == "accepted"


async def test_zero_ttl_stores_nothing(subject: Subject) -> None:
    """A zero TTL (a pending change) stores neither a fresh nor a stale copy."""
    await subject.cache.put(KEY, _answer(), ttl=timedelta(0))
    assert await subject.cache.get(KEY) is None
    assert await subject.cache.get_stale(KEY) is None


async def test_negative_ttl_is_a_usage_error(subject: Subject) -> None:
    """A negative TTL is the caller's mistake, not a silent no-op."""
    with pytest.raises(CacheUsageError, match="negative"):
        await subject.cache.put(KEY, _answer(), ttl=timedelta(seconds=-1))


async def test_expired_answer_is_kept_stale_then_dropped(subject: Subject) -> None:
    """Past its TTL an answer is a miss but still served stale, until stale_for runs out."""
    answer = _answer()
    await subject.cache.put(KEY, answer, ttl=TTL)
    assert await subject.cache.get(KEY) == answer
    assert await subject.cache.get_stale(KEY) == answer
    await subject.advance(TTL.total_seconds() + 0.1)
    assert await subject.cache.get(KEY) is None
    assert await subject.cache.get_stale(KEY) == answer
    await subject.advance(STALE_FOR.total_seconds())
    assert await subject.cache.get_stale(KEY) is None


async def test_every_key_field_separates_answers(subject: Subject) -> None:
    """Payer, member, patient, service types and date each make a different question."""
    others = [
        replace(KEY, payer_id="other"),
        replace(KEY, member_id="SYN000999"),
        replace(KEY, patient="SAMPLE JORDAN 20100101"),
        replace(KEY, service_types=("30", "88")),
        replace(KEY, date_of_service=date(2026, 11, 24)),
    ]
    await subject.cache.put(KEY, _answer(), ttl=timedelta(minutes=5))
    for other in others:
        assert await subject.cache.get(other) is None, other


async def test_service_type_order_does_not_matter(subject: Subject) -> None:
    """Asking about 30 and 88 is the same question as 88 and 30."""
    answer = _answer()
    await subject.cache.put(replace(KEY, service_types=("30", "88")), answer, ttl=TTL * 100)
    assert await subject.cache.get(replace(KEY, service_types=("88", "30"))) == answer


async def test_latest_put_wins(subject: Subject) -> None:
    """A second put replaces the first answer, fresh and stale."""
    await subject.cache.put(KEY, _answer("GOLD PPO"), ttl=timedelta(minutes=5))
    newer = _answer("SILVER HMO")
    await subject.cache.put(KEY, newer, ttl=timedelta(minutes=5))
    assert await subject.cache.get(KEY) == newer
    assert await subject.cache.get_stale(KEY) == newer


async def test_concurrent_puts_and_gets_see_whole_answers(subject: Subject) -> None:
    """Many tasks writing and reading at once never see a torn or foreign answer."""
    answers = {plan: _answer(plan) for plan in ("GOLD PPO", "SILVER HMO", "BRONZE EPO")}
    keys = [replace(KEY, member_id=f"SYN{n:06d}") for n in range(20)]

    async def writer(index: int) -> None:
        plan = list(answers)[index % 3]
        await subject.cache.put(keys[index % 20], answers[plan], ttl=timedelta(minutes=5))

    async def reader(index: int) -> CachedAnswer | None:
        return await subject.cache.get(keys[index % 20])

    await asyncio.gather(*(writer(n) for n in range(60)))
    seen = await asyncio.gather(*(reader(n) for n in range(60)))
    assert all(s is not None and s in answers.values() for s in seen)


async def test_close_releases_the_cache(subject: Subject) -> None:
    """close() can be awaited once the caller is done; what was stored was readable before."""
    await subject.cache.put(KEY, _answer(), ttl=timedelta(minutes=5))
    assert await subject.cache.get(KEY) == _answer()
    assert await subject.cache.ping() is True
    await subject.cache.close()


def test_memory_cache_evicts_least_recently_used() -> None:
    """A full cache drops the entry used longest ago, not the one just read."""

    async def scenario() -> None:
        cache = MemoryCache(max_entries=2, stale_for=STALE_FOR, clock=_FakeClock())
        first, second, third = (replace(KEY, member_id=f"SYN{n}") for n in range(3))
        answer = _answer()
        await cache.put(first, answer, ttl=TTL)
        await cache.put(second, answer, ttl=TTL)
        assert await cache.get(first) == answer  # first is now the most recent
        await cache.put(third, answer, ttl=TTL)
        assert len(cache) == 2
        assert await cache.get_stale(second) is None
        assert await cache.get(first) == answer
        assert await cache.get(third) == answer

    asyncio.run(scenario())


async def test_memory_cache_keeps_bytes_not_models() -> None:
    """Entries hold the answer's compact JSON bytes; each read rebuilds a new, equal answer."""
    cache = MemoryCache(max_entries=10, stale_for=STALE_FOR, clock=_FakeClock())
    answer = _answer()
    await cache.put(KEY, answer, ttl=TTL)
    (entry,) = cache._entries.values()
    assert type(entry.body) is bytes
    assert not gc.is_tracked(entry.body)  # nothing for a full collection to walk
    assert entry.body == encode_answer(answer)
    first, second = await cache.get(KEY), await cache.get_stale(KEY)
    assert first == second == answer
    assert first is not answer
    assert first is not None
    assert second is not None
    assert first.results[0] is not second.results[0]


def test_memory_cache_refuses_no_room() -> None:
    """A cache that can hold nothing is a usage error."""
    with pytest.raises(CacheUsageError, match="max_entries"):
        MemoryCache(max_entries=0)


async def test_redis_keys_carry_no_phi(redis_client: Redis, redis_prefix: str) -> None:
    """Only salted digests name the keys: no member ID, name or date appears in Redis keys."""
    cache = RedisCache(redis_client, salt=SALT, prefix=redis_prefix, stale_for=STALE_FOR)
    await cache.put(replace(KEY, patient="SAMPLE JORDAN 20100101"), _answer(), ttl=TTL * 100)
    keys = [k.decode() async for k in redis_client.scan_iter(match=f"{redis_prefix}*")]
    assert sorted(k.removeprefix(redis_prefix).split(":")[0] for k in keys) == ["fresh", "stale"]
    for key in keys:
        for phi in ("SYN000123", "SAMPLE", "JORDAN", "20100101", "2026-11-23"):
            assert phi not in key
    ttls = {k.split(":")[-2]: await redis_client.pttl(k) for k in keys}
    assert 0 < ttls["fresh"] <= TTL.total_seconds() * 100 * 1000 < ttls["stale"]


async def test_redis_value_is_the_pydantic_json(redis_client: Redis, redis_prefix: str) -> None:
    """The stored value is JSON whose results load back with a TypeAdapter to equal models."""
    cache = RedisCache(redis_client, salt=SALT, prefix=redis_prefix)
    answer = _answer()
    await cache.put(KEY, answer, ttl=timedelta(minutes=1))
    raw = await redis_client.get(cache.fresh_key(KEY))
    assert raw is not None
    document = TypeAdapter(dict[str, object]).validate_json(raw)
    results = TypeAdapter(tuple[EligibilityResult, ...]).validate_python(document["results"])
    assert results == answer.results


async def test_redis_salt_changes_every_key(redis_client: Redis, redis_prefix: str) -> None:
    """Two deployments with different salts never read each other's entries."""
    one = RedisCache(redis_client, salt=SALT, prefix=redis_prefix)
    two = RedisCache(redis_client, salt=b"another-salt-9876543210", prefix=redis_prefix)
    await one.put(KEY, _answer(), ttl=timedelta(minutes=1))
    assert await two.get(KEY) is None
    assert one.fresh_key(KEY) != two.fresh_key(KEY)


def test_redis_short_salt_is_refused() -> None:
    """A salt too short to keep digests unguessable is a usage error."""
    with pytest.raises(CacheUsageError, match="salt"):
        RedisCache.from_url("redis://127.0.0.1:6379/0", salt=b"short")


def test_redis_bad_url_is_a_usage_error() -> None:
    """A URL that is not redis:// fails at construction with a usage error."""
    with pytest.raises(CacheUsageError, match="Redis URL"):
        RedisCache.from_url("http://127.0.0.1:6379", salt=SALT)


async def test_redis_down_is_a_miss_with_a_warning() -> None:
    """With nothing listening, get/put/get_stale answer a miss and log a PHI-free warning."""
    cache = RedisCache.from_url(
        "redis://127.0.0.1:1/0", salt=SALT, retry_after=timedelta(0), prefix="eligate-test:"
    )
    with capture_logs() as logs:
        await cache.put(KEY, _answer(), ttl=timedelta(minutes=1))
        assert await cache.get(KEY) is None
        assert await cache.get_stale(KEY) is None
    await cache.close()
    assert [e["event"] for e in logs] == ["eligibility.cache_unavailable"] * 3
    assert [e["operation"] for e in logs] == ["put", "get", "get_stale"]
    assert all(e["log_level"] == "warning" for e in logs)
    assert "SYN000123" not in repr(logs)


async def test_redis_outage_rests_before_asking_again() -> None:
    """After a failure Redis is not asked again until retry_after has passed."""
    clock = _FakeClock()
    client: Redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    cache = RedisCache(client, salt=SALT, retry_after=timedelta(seconds=5), clock=clock)
    with capture_logs() as logs:
        assert await cache.get(KEY) is None
        assert await cache.get(KEY) is None
        clock.now += 5
        assert await cache.get(KEY) is None
    await cache.close()
    assert len(logs) == 2


async def test_redis_corrupt_value_is_a_miss(redis_client: Redis, redis_prefix: str) -> None:
    """A value that is not our JSON is a miss with an ``eligibility.cache_corrupt`` warning."""
    cache = RedisCache(redis_client, salt=SALT, prefix=redis_prefix)
    await redis_client.set(cache.fresh_key(KEY), b'{"v": 1, "results": "nope"}', px=60_000)
    with capture_logs() as logs:
        assert await cache.get(KEY) is None
    assert [e["event"] for e in logs] == ["eligibility.cache_corrupt"]


async def test_sealed_values_hide_phi(redis_client: Redis, redis_prefix: str) -> None:
    """With a key ring, Redis holds ciphertext: no member ID, name or JSON in the value."""
    cache = RedisCache(redis_client, salt=SALT, prefix=redis_prefix, keys=SEALING)
    await cache.put(KEY, _answer(), ttl=timedelta(minutes=1))
    for redis_key in (cache.fresh_key(KEY), cache.stale_key(KEY)):
        value = await redis_client.get(redis_key)
        assert isinstance(value, bytes)
        assert value.startswith(b"sealed:v1:cache1:")
        for phi in (b"SYN000123", b"TESTPATIENT", b"GOLD PPO", b"results"):
            assert phi not in value


async def test_unsealable_values_are_misses(redis_client: Redis, redis_prefix: str) -> None:
    """Another key, a value moved to another cache key, or plain JSON: a miss with a warning."""
    sealed = RedisCache(redis_client, salt=SALT, prefix=redis_prefix, keys=SEALING)
    other_key = KeyRing.parse("cache1:" + "R" * 43)
    impostor = RedisCache(redis_client, salt=SALT, prefix=redis_prefix, keys=other_key)
    plain = RedisCache(redis_client, salt=SALT, prefix=redis_prefix)
    moved = replace(KEY, member_id="SYN000999")
    await sealed.put(KEY, _answer(), ttl=timedelta(minutes=1))
    await redis_client.copy(sealed.fresh_key(KEY), sealed.fresh_key(moved))
    with capture_logs() as logs:
        assert await impostor.get(KEY) is None
        assert await plain.get(KEY) is None
        assert await sealed.get(moved) is None
    await plain.put(KEY, _answer(), ttl=timedelta(minutes=1))
    with capture_logs() as more:
        assert await sealed.get(KEY) is None
    assert [e["problem"] for e in logs + more] == ["unsealable"] * 4


@functools.cache
def _two_answers() -> tuple[CachedAnswer, CachedAnswer]:
    return _answer("GOLD PPO"), _answer("SILVER HMO")


def _run_ops(ops: list[CacheOp], *, max_entries: int) -> None:
    """Replay ``ops`` on a MemoryCache and check every read against what was last put."""
    stale_for = 20
    clock = _FakeClock()
    cache = MemoryCache(
        max_entries=max_entries, stale_for=timedelta(seconds=stale_for), clock=clock
    )
    answers = [_answer(plan) for plan in ("GOLD PPO", "SILVER HMO")]
    last: dict[int, tuple[CachedAnswer, float, int]] = {}
    puts = 0

    async def replay() -> None:
        nonlocal puts
        for op, slot, amount in ops:
            key = replace(KEY, member_id=f"SYN{slot:06d}")
            if op == "wait":
                clock.now += amount
            elif op == "put":
                answer = answers[puts % 2]
                puts += 1
                await cache.put(key, answer, ttl=timedelta(seconds=amount))
                if amount:
                    last[slot] = (answer, clock.now, amount)
            else:
                got = await (cache.get(key) if op == "get" else cache.get_stale(key))
                expected = last.get(slot)
                if expected is None:
                    assert got is None
                    continue
                answer, put_at, ttl = expected
                lives_until = put_at + ttl + (stale_for if op == "get_stale" else 0)
                if clock.now >= lives_until:
                    assert got is None
                elif len(last) <= max_entries:  # nothing can have been evicted
                    assert got == answer
                else:
                    assert got is None or got == answer
            assert len(cache) <= max_entries

    asyncio.run(replay())


@settings(max_examples=150, deadline=None)
@given(ops=cache_ops())
def test_memory_cache_reads_match_the_last_put(ops: list[CacheOp]) -> None:
    """Any sequence of puts, reads and waits: a read is the last put, until TTL/stale end."""
    _run_ops(ops, max_entries=3)
    _run_ops(ops, max_entries=100)


async def test_redis_client_that_decodes_responses_works(redis_prefix: str) -> None:
    """A client built with decode_responses=True (text replies) still round-trips answers."""
    from tests.servers import REDIS_URL

    client: Redis = Redis.from_url(REDIS_URL, decode_responses=True)
    cache = RedisCache(client, salt=SALT, prefix=redis_prefix)
    answer = _answer()
    await cache.put(KEY, answer, ttl=timedelta(minutes=1))
    assert await cache.get(KEY) == answer
    await cache.close()
