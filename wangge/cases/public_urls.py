"""Pages for residents without an account, under /public/."""

from django.urls import path

from wangge.cases.views import public

app_name = "public"
urlpatterns = [
    path("", public.public_home, name="home"),
    path("report/", public.public_report, name="report"),
    path("lookup/", public.public_lookup, name="lookup"),
    path("cases/<str:number>/", public.public_case, name="case"),
    path("cases/<str:number>/rate/", public.public_rate, name="rate"),
]
