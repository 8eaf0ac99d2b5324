from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "PLAN_DOC_NO": settings.PLAN_DOC_NO,
        "DEMO_MODE": settings.DEMO_MODE,
    }
