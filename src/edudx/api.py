from ninja import NinjaAPI

api = NinjaAPI(title="EduDX API", version="1", docs_url="/docs")
