/* ls-stream-response.c: what the server answered, kept for after the fact
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Made on the worker, handed to the UI under the run's lock, never
 * changed once handed out (a change is a new copy). The count is an
 * __atomic of ours, so ThreadSanitizer sees the last release.
 */
#define G_LOG_DOMAIN "ls-stream"

#include "config.h"

#include <string.h>

#include "ls-stream-private.h"

G_DEFINE_BOXED_TYPE (LsStreamResponse, ls_stream_response,
                     ls_stream_response_ref, ls_stream_response_unref)

LsStreamResponse *
ls_stream_response_ref (LsStreamResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  __atomic_fetch_add (&self->ref_count, 1, __ATOMIC_RELAXED);
  return self;
}

void
ls_stream_response_unref (LsStreamResponse *self)
{
  g_return_if_fail (self != NULL);
  if (__atomic_sub_fetch (&self->ref_count, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  g_free (self->reason);
  g_ptr_array_unref (self->headers);
  g_clear_pointer (&self->error_body, g_bytes_unref);
  g_free (self);
}

const char *
ls_stream_response_get_header (const LsStreamResponse *self,
                               const char             *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (self->headers, i);

      if (g_ascii_strcasecmp (header->name, name) == 0)
        return header->value;
    }
  return NULL;
}

static LsStreamResponse *
response_alloc (void)
{
  LsStreamResponse *self = g_new0 (LsStreamResponse, 1);

  self->ref_count = 1;
  self->headers = g_ptr_array_new_with_free_func (ls_stream_header_free);
  self->first_byte_us = -1;
  self->http_version = "HTTP/1.1";
  return self;
}

LsStreamResponse *
ls_stream_response_new (void)
{
  return response_alloc ();
}

/* Worker: the status line and headers of @msg, @headers_us after the send. */
LsStreamResponse *
ls_stream_response_new_from_message (SoupMessage *msg,
                                     gint64       headers_us)
{
  LsStreamResponse *self = response_alloc ();
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char *reason = soup_message_get_reason_phrase (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  switch (soup_message_get_http_version (msg))
    {
    case SOUP_HTTP_1_0:
      self->http_version = "HTTP/1.0";
      break;
    case SOUP_HTTP_2_0:
      self->http_version = "HTTP/2";
      break;
    case SOUP_HTTP_1_1:
    default:
      self->http_version = "HTTP/1.1";
      break;
    }
  self->status = soup_message_get_status (msg);
  if (reason == NULL || *reason == '\0')
    reason = soup_status_get_phrase (self->status);
  self->reason = g_strdup (reason != NULL ? reason : "");
  self->headers_us = headers_us;
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      LsStreamHeader *header;

      if (self->headers->len == LS_STREAM_RESPONSE_MAX_HEADERS)
        {
          self->headers_truncated = TRUE;
          break;
        }
      header = g_new (LsStreamHeader, 1);
      header->name = g_strdup (name);
      if (strlen (value) > LS_STREAM_RESPONSE_MAX_HEADER_SIZE)
        {
          header->value = g_utf8_make_valid (value, LS_STREAM_RESPONSE_MAX_HEADER_SIZE);
          self->headers_truncated = TRUE;
        }
      else
        header->value = g_strdup (value);
      g_ptr_array_add (self->headers, header);
    }
  return self;
}

/* Worker: a new response like @self, to change before it is handed out. */
LsStreamResponse *
ls_stream_response_copy (const LsStreamResponse *self)
{
  LsStreamResponse *copy = response_alloc ();

  copy->http_version = self->http_version;
  copy->status = self->status;
  copy->reason = g_strdup (self->reason);
  copy->headers_truncated = self->headers_truncated;
  copy->headers_us = self->headers_us;
  copy->first_byte_us = self->first_byte_us;
  copy->error_body = self->error_body != NULL ? g_bytes_new (g_bytes_get_data (self->error_body, NULL),
                                                             g_bytes_get_size (self->error_body))
                                              : NULL;
  copy->error_body_truncated = self->error_body_truncated;
  for (guint i = 0; i < self->headers->len; i++)
    {
      const LsStreamHeader *header = g_ptr_array_index (self->headers, i);
      LsStreamHeader *dup = g_new (LsStreamHeader, 1);

      dup->name = g_strdup (header->name);
      dup->value = g_strdup (header->value);
      g_ptr_array_add (copy->headers, dup);
    }
  return copy;
}
