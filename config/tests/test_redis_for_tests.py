"""The Redis tests run on any machine: without a Redis to use, the session starts a
throwaway redis-server (conftest.redis_url)."""

from conftest import redis_answers, throwaway_redis_server


def test_a_throwaway_redis_server_answers_then_is_gone(tmp_path):
    with throwaway_redis_server(tmp_path) as url:
        assert redis_answers(url)
    assert not redis_answers(url)
    # Nothing saved to disk: it was only ever for one test session.
    assert list(tmp_path.iterdir()) == []


def test_the_redis_tests_have_a_redis(redis_url):
    assert redis_answers(redis_url)
