from gatherings.demo import demo_gatherings
from gatherings.models import CourseAnswer, RoundInterview


def test_the_demo_makes_gatherings_with_answers_and_two_rounds(shipped, unit, unit_leader, coordinator, make_citizen):
    citizens = [make_citizen(coordinator, f"Demo {n}") for n in range(8)]
    gatherings, rounds = demo_gatherings([unit], unit_leader, citizens, coordinator)
    assert CourseAnswer.objects.filter(gathering=gatherings[0]).count() == 12
    assert RoundInterview.objects.filter(round=rounds[0]).count() == 8
    assert RoundInterview.objects.filter(round=rounds[1]).count() == 6
