"""What the GIFT tests share: PHP's trim() set, a question without its line, one parse."""

from learnhub.questionbank.gift import parse_gift

WS = " \t\n\r\0\x0b"  # PHP trim(), which GIFT uses on every text


def semantic(questions):
    """The questions without "line", which moves when a file is rewritten."""
    return [{k: v for k, v in q.items() if k != "line"} for q in questions]


def parse_one(text):
    """The one question of ``text``; fails when it has errors or another count."""
    result = parse_gift(text)
    assert result.errors == []
    assert len(result.questions) == 1
    return result.questions[0]
