"""Refusing oversized uploads before they are read.

Two guards, so that a 50 MB file is never buffered, stored or parsed:

* the request's Content-Length is compared with the limit before the body
  is touched (``request_too_large``);
* an upload handler, first in the chain, stops keeping a file as soon as
  more than the limit has arrived (for clients that send no length or lie
  about it). The rest of that part is read and thrown away by Django.
"""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

# Room for the multipart boundaries, headers and the other form fields.
MULTIPART_OVERHEAD = 64 * 1024


def request_too_large(request, limit: int) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit + MULTIPART_OVERHEAD


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, limit: int, request=None):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
