from ninja import Router

router = Router(tags=["eservices"])
