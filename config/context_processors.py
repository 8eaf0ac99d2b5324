from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "PLAN_DOC_NO": "运政办发〔2021〕68 号",
        "DEMO_MODE": settings.DEMO_MODE,
    }
