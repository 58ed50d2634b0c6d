"""A name that scraping broke across lines kept the line break in Entity.normalized
(北京中\\n医药大学), so mentions of one institution did not group together."""

import medcoop


def whole_entity(raw: str):
    norm = medcoop.normalize(raw)
    return norm.entity(0, len(norm.clean), "INST", 1.0)


def test_line_breaks_inside_a_name_are_dropped():
    entity = whole_entity("北京中\n\n医药大学")
    assert (entity.start, entity.end, entity.text) == (0, 9, "北京中\n\n医药大学")
    assert entity.normalized == "北京中医药大学"


def test_a_lost_character_stays_visible():
    entity = whole_entity("山东中医药高等\ufffd校")
    assert entity.normalized == "山东中医药高等\ufffd校"


def test_spaces_between_latin_words_stay():
    assert whole_entity("Johnson &\nJohnson").normalized == "Johnson & Johnson"
