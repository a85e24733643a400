"""The Snowball stemmers are not thread-safe: each thread must stem with its own."""

from concurrent.futures import ThreadPoolExecutor

from matchmaker.reference.text import stem


def test_threads_stem_words_at_once_without_corrupting_each_other():
    words = [f"{w}{s}" for w in ("virksomhed", "eksport", "marked", "emballage", "produkt")
             for s in ("", "en", "erne", "ernes", "s", "et")] * 40  # fmt: skip
    alone = [(stem.__wrapped__(w, "da"), stem.__wrapped__(w, "en")) for w in words]

    def both(word: str) -> tuple[str, str]:
        return stem.__wrapped__(word, "da"), stem.__wrapped__(word, "en")

    with ThreadPoolExecutor(8) as pool:
        for _ in range(5):
            assert list(pool.map(both, words)) == alone
