app_name = "settings"

urlpatterns = []
