def login_view(request):
    raise NotImplementedError


def logout_view(request):
    raise NotImplementedError


def otp_view(request):
    raise NotImplementedError
