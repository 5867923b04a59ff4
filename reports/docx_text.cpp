#include "reports/docx_text.h"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>

#include <memory>
#include <mutex>

#include "model/errors.h"

namespace dnswitness {
namespace {

constexpr const char* kWordNamespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

bool is_word(const xmlNode* n, const char* local) {
  return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
         xmlStrEqual(n->ns->href, reinterpret_cast<const xmlChar*>(kWordNamespace)) &&
         xmlStrEqual(n->name, reinterpret_cast<const xmlChar*>(local));
}

// The visible text under `n`: runs' w:t, w:tab as a tab, w:br/w:cr as a line break; paragraphs
// inside (a table cell's) joined by a space.
void inline_text(const xmlNode* n, std::string& out) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (is_word(c, "t")) {
      for (const xmlNode* t = c->children; t; t = t->next)
        if ((t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE) && t->content)
          out += reinterpret_cast<const char*>(t->content);
    } else if (is_word(c, "tab")) {
      out += '\t';
    } else if (is_word(c, "br") || is_word(c, "cr")) {
      out += '\n';
    } else if (is_word(c, "delText") || is_word(c, "instrText") || is_word(c, "del")) {
      continue;  // not shown by Word
    } else if (is_word(c, "p")) {
      if (!out.empty() && out.back() != '\n' && out.back() != ' ') out += ' ';
      inline_text(c, out);
    } else {
      inline_text(c, out);
    }
  }
}

bool has_table(const xmlNode* n) {
  for (const xmlNode* c = n->children; c; c = c->next)
    if (is_word(c, "tbl") || (c->type == XML_ELEMENT_NODE && has_table(c))) return true;
  return false;
}

// Lines of the body: a paragraph a line, a table row a line of tab-separated cells. In a document
// that holds a table, paragraphs outside tables (a title, a covering note) become comment lines
// ("# ..."), so the table's header row is what the CSV reader finds first.
void block_text(const xmlNode* n, std::string& out, bool comment_paragraphs) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (is_word(c, "p")) {
      std::string text;
      inline_text(c, text);
      if (comment_paragraphs && !text.empty()) {
        for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos; at += 3) text.replace(at, 1, "\n# ");
        out += "# ";
      }
      out += text;
      out += '\n';
    } else if (is_word(c, "tr")) {
      bool first = true;
      for (const xmlNode* cell = c->children; cell; cell = cell->next) {
        if (!is_word(cell, "tc")) continue;
        if (!first) out += '\t';
        first = false;
        std::string text;
        inline_text(cell, text);
        for (char& ch : text)
          if (ch == '\n' || ch == '\t') ch = ' ';
        out += text;
      }
      out += '\n';
    } else if (is_word(c, "del")) {
      continue;
    } else {
      block_text(c, out, comment_paragraphs);
    }
  }
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
struct XmlDocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

std::string document_xml(std::string_view bytes, const std::string& name) {
  const auto not_docx = [&](const std::string& why) {
    return UsageError(fmt::format("{} is not a Word document this tool can read ({}); save it again as .docx, or "
                                  "copy its text into a .txt file.",
                                  name, why));
  };
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!source) throw not_docx(zip_error_strerror(&error));
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open_from_source(source, ZIP_RDONLY, &error));
  if (!archive) {
    zip_source_free(source);
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw not_docx("the zip archive is damaged: " + why);
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(archive.get(), "word/document.xml", 0, &st) != 0) throw not_docx("it has no word/document.xml");
  if ((st.valid & ZIP_STAT_SIZE) && st.size > kMaxDocxXmlBytes)
    throw not_docx(fmt::format("its text part is {} bytes, more than the {} MiB a disclosure could need", st.size,
                               kMaxDocxXmlBytes / (1024 * 1024)));
  std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen(archive.get(), "word/document.xml", 0));
  if (!file) throw not_docx(zip_strerror(archive.get()));
  std::string xml;
  char buffer[65536];
  for (;;) {
    const zip_int64_t n = zip_fread(file.get(), buffer, sizeof buffer);
    if (n < 0) throw not_docx(std::string("its text part cannot be read: ") + zip_file_strerror(file.get()));
    if (n == 0) break;
    xml.append(buffer, static_cast<std::size_t>(n));
    if (xml.size() > kMaxDocxXmlBytes)
      throw not_docx(fmt::format("its text part is larger than {} MiB", kMaxDocxXmlBytes / (1024 * 1024)));
  }
  return xml;
}

}  // namespace

bool looks_like_zip(std::string_view bytes) { return bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("PK\3\4", 4); }

std::string docx_text(std::string_view bytes, const std::string& name) {
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });
  const std::string xml = document_xml(bytes, name);
  // No network, no DTD, entities left unexpanded (a "billion laughs" file stays small); errors are
  // not printed by libxml2 on stderr, the one sentence below says it.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  std::unique_ptr<xmlDoc, XmlDocFree> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "document.xml", nullptr, options));
  if (!doc)
    throw UsageError(fmt::format("{} is not a Word document this tool can read (its word/document.xml is not "
                                 "well-formed XML); save it again as .docx, or copy its text into a .txt file.",
                                 name));
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  std::string out;
  if (root) block_text(root, out, has_table(root));
  return out;
}

}  // namespace dnswitness
