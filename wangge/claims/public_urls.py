"""Pages of claims for people without an account, under /public/claims/."""

from django.urls import path

from wangge.claims.views import public

app_name = "public_claims"
urlpatterns = [
    path("", public.public_index, name="index"),
    path("me/<str:volunteer_key>/", public.me, name="me"),
    path("me/<str:volunteer_key>/hours/", public.me_hours, name="me_hours"),
    path(
        "me/<str:volunteer_key>/wishes/<int:wish_id>/claim/",
        public.me_claim_wish,
        name="me_claim_wish",
    ),
    path(
        "me/<str:volunteer_key>/wishes/<int:wish_id>/fulfil/",
        public.me_fulfil_wish,
        name="me_fulfil_wish",
    ),
    path("me/<str:volunteer_key>/posts/<int:post_id>/", public.me_sign_up, name="me_sign_up"),
    path("<str:community_code>/", public.community_page, name="community"),
    path("<str:community_code>/need/", public.raise_need, name="need"),
    path("<str:community_code>/wish/", public.raise_wish, name="wish"),
    path("<str:community_code>/volunteer/", public.register_volunteer, name="volunteer"),
]
