app_name = "fees"

urlpatterns: list = []
