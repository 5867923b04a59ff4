// pango and cairo (with glib's object release), opened on first use: the court PDF. Opening
// libpangocairo brings libpango, libcairo and libgobject with it; their functions are looked up
// through it. See shared_library.h.
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "ondemand/shared_library.h"

namespace {
constexpr dnswitness::ondemand::SharedLibrary kPangoCairo{"libpangocairo-1.0.so.0", "libpangocairo-1.0-0",
                                                          "the PDF report"};
}  // namespace

extern "C" {

DNSWITNESS_ON_DEMAND(kPangoCairo, void, g_object_unref, (gpointer object), (object))

DNSWITNESS_ON_DEMAND(kPangoCairo, cairo_surface_t*, cairo_pdf_surface_create_for_stream,
                     (cairo_write_func_t write_func, void* closure, double width, double height),
                     (write_func, closure, width, height))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_pdf_surface_set_metadata,
                     (cairo_surface_t * surface, cairo_pdf_metadata_t metadata, const char* utf8),
                     (surface, metadata, utf8))
DNSWITNESS_ON_DEMAND(kPangoCairo, int, cairo_pdf_surface_add_outline,
                     (cairo_surface_t * surface, int parent_id, const char* utf8, const char* link_attribs,
                      cairo_pdf_outline_flags_t flags),
                     (surface, parent_id, utf8, link_attribs, flags))
DNSWITNESS_ON_DEMAND(kPangoCairo, cairo_status_t, cairo_surface_status, (cairo_surface_t * surface), (surface))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_surface_finish, (cairo_surface_t * surface), (surface))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_surface_destroy, (cairo_surface_t * surface), (surface))
DNSWITNESS_ON_DEMAND(kPangoCairo, const char*, cairo_status_to_string, (cairo_status_t status), (status))
DNSWITNESS_ON_DEMAND(kPangoCairo, cairo_t*, cairo_create, (cairo_surface_t * target), (target))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_destroy, (cairo_t * cr), (cr))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_show_page, (cairo_t * cr), (cr))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_set_source_rgb, (cairo_t * cr, double red, double green, double blue),
                     (cr, red, green, blue))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_set_line_width, (cairo_t * cr, double width), (cr, width))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_move_to, (cairo_t * cr, double x, double y), (cr, x, y))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_line_to, (cairo_t * cr, double x, double y), (cr, x, y))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_rectangle,
                     (cairo_t * cr, double x, double y, double width, double height), (cr, x, y, width, height))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_stroke, (cairo_t * cr), (cr))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_fill, (cairo_t * cr), (cr))
DNSWITNESS_ON_DEMAND(kPangoCairo, cairo_font_options_t*, cairo_font_options_create, (void), ())
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_font_options_destroy, (cairo_font_options_t * options), (options))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_font_options_set_hint_metrics,
                     (cairo_font_options_t * options, cairo_hint_metrics_t hint_metrics), (options, hint_metrics))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, cairo_font_options_set_hint_style,
                     (cairo_font_options_t * options, cairo_hint_style_t hint_style), (options, hint_style))

DNSWITNESS_ON_DEMAND(kPangoCairo, PangoContext*, pango_cairo_create_context, (cairo_t * cr), (cr))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_cairo_context_set_font_options,
                     (PangoContext * context, const cairo_font_options_t* options), (context, options))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_cairo_context_set_resolution, (PangoContext * context, double dpi),
                     (context, dpi))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_cairo_show_layout, (cairo_t * cr, PangoLayout* layout), (cr, layout))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_cairo_show_layout_line, (cairo_t * cr, PangoLayoutLine* line),
                     (cr, line))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_context_set_language, (PangoContext * context, PangoLanguage* language),
                     (context, language))
DNSWITNESS_ON_DEMAND(kPangoCairo, PangoLanguage*, pango_language_from_string, (const char* language), (language))
DNSWITNESS_ON_DEMAND(kPangoCairo, PangoFontDescription*, pango_font_description_new, (void), ())
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_font_description_free, (PangoFontDescription * desc), (desc))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_font_description_set_family,
                     (PangoFontDescription * desc, const char* family), (desc, family))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_font_description_set_size, (PangoFontDescription * desc, gint size),
                     (desc, size))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_font_description_set_weight,
                     (PangoFontDescription * desc, PangoWeight weight), (desc, weight))
DNSWITNESS_ON_DEMAND(kPangoCairo, PangoLayout*, pango_layout_new, (PangoContext * context), (context))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_set_text, (PangoLayout * layout, const char* text, int length),
                     (layout, text, length))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_set_font_description,
                     (PangoLayout * layout, const PangoFontDescription* desc), (layout, desc))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_set_width, (PangoLayout * layout, int width), (layout, width))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_set_height, (PangoLayout * layout, int height), (layout, height))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_set_indent, (PangoLayout * layout, int indent), (layout, indent))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_set_line_spacing, (PangoLayout * layout, float factor),
                     (layout, factor))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_set_wrap, (PangoLayout * layout, PangoWrapMode wrap),
                     (layout, wrap))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_set_alignment, (PangoLayout * layout, PangoAlignment alignment),
                     (layout, alignment))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_set_ellipsize, (PangoLayout * layout, PangoEllipsizeMode mode),
                     (layout, mode))
DNSWITNESS_ON_DEMAND(kPangoCairo, PangoLayoutIter*, pango_layout_get_iter, (PangoLayout * layout), (layout))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_iter_free, (PangoLayoutIter * iter), (iter))
DNSWITNESS_ON_DEMAND(kPangoCairo, int, pango_layout_iter_get_baseline, (PangoLayoutIter * iter), (iter))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_iter_get_line_extents,
                     (PangoLayoutIter * iter, PangoRectangle* ink_rect, PangoRectangle* logical_rect),
                     (iter, ink_rect, logical_rect))
DNSWITNESS_ON_DEMAND(kPangoCairo, PangoLayoutLine*, pango_layout_iter_get_line_readonly, (PangoLayoutIter * iter),
                     (iter))
DNSWITNESS_ON_DEMAND(kPangoCairo, gboolean, pango_layout_iter_next_line, (PangoLayoutIter * iter), (iter))
DNSWITNESS_ON_DEMAND(kPangoCairo, PangoLayoutLine*, pango_layout_line_ref, (PangoLayoutLine * line), (line))
DNSWITNESS_ON_DEMAND(kPangoCairo, void, pango_layout_line_unref, (PangoLayoutLine * line), (line))

}  // extern "C"
