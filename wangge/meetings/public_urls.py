"""Pages of meetings for people without an account, under /public/meetings/."""

from django.urls import path

from wangge.meetings.views import public

app_name = "public_meetings"
urlpatterns = [
    path("propose/", public.propose, name="propose"),
    path("propose/thanks/", public.proposed, name="proposed"),
    path("ballot/<str:ballot_token>/", public.ballot, name="ballot"),
    path("sign-in/<str:sign_in_token>/", public.sign_in, name="sign_in"),
    path("votes/<int:vote_id>/", public.vote_result, name="vote_result"),
    path("disclosures/", public.disclosures, name="disclosures"),
    path("disclosures/<int:procedure_id>/", public.disclosure, name="disclosure"),
    path(
        "disclosures/<int:procedure_id>/photos/<int:document_id>/",
        public.disclosure_photo,
        name="disclosure_photo",
    ),
]
