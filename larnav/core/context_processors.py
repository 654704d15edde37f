from django.conf import settings

from .navigation import items_for


def navigation(request):
    return {
        "nav_items": items_for(request),
        "consortium": getattr(request, "consortium", None),
        "LARNAV_DEBUG": settings.DEBUG,
    }
