from django.shortcuts import render
from django.utils import timezone

from .models import User


def dashboard(request):
    hour = timezone.localtime().hour
    greeting = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
    context = {
        "nav_section": "dashboard",
        "greeting": greeting,
        "team_count": User.objects.filter(is_active=True).count(),
    }
    return render(request, "dashboard.html", context)
