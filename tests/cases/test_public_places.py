"""A place another app vouches for (a doorplate's QR code) fills the public report form: the
address is shown, and the report lands in the house's grid though the resident gave no
position. The link is signed: an altered one fills nothing and chooses no grid."""

from __future__ import annotations

from tests.cases.test_public_pages import REPORT_URL, typed
from wangge.cases.models import Case
from wangge.cases.public_places import Place, place_of, public_report_link


def test_a_vouched_place_fills_the_address_and_files_the_report_into_its_grid(client, cast):
    link = public_report_link(Place(address="石冲路 8 号 302 房", grid=cast.tree.grid_b.code))
    token = place_of_query(link)

    form = client.get(link).content.decode()
    response = client.post(REPORT_URL, typed(address="石冲路 8 号 302 房", place=token))

    assert 'value="石冲路 8 号 302 房"' in form and f'name="place" value="{token}"' in form
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.area == cast.tree.grid_b and not case.needs_grid


def test_an_altered_place_fills_nothing_and_chooses_no_grid(client, cast):
    link = public_report_link(Place(address="石冲路 8 号", grid=cast.tree.grid_b.code))
    forged = place_of_query(link)[:-3] + "xyz"

    form = client.get(f"{REPORT_URL}?place={forged}").content.decode()
    client.post(REPORT_URL, typed(place=forged))

    assert 'name="place"' not in form and "石冲路 8 号" not in form
    case = Case.objects.get()
    assert case.needs_grid and case.area != cast.tree.grid_b


def test_a_place_token_is_only_good_for_what_was_signed():
    assert place_of("") is None
    assert place_of("not-a-token") is None
    signed = place_of_query(public_report_link(Place(address="甲", grid="440703006107001")))
    assert place_of(signed) == Place(address="甲", grid="440703006107001")


def place_of_query(link: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(link).query)["place"][0]
