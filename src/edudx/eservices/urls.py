app_name = "eservices"

urlpatterns: list = []
