#include "reports/docx_package.h"

#include <zip.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace dnswitness {
namespace {

constexpr const char* kContentTypes =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
    "</Types>";
constexpr const char* kRels =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"word/document.xml\"/></Relationships>";

struct SourceFree {
  void operator()(zip_source_t* s) const { zip_source_free(s); }
};

[[noreturn]] void zip_failed(const char* what, zip_error_t* e) {
  const std::string text = e ? zip_error_strerror(e) : "unknown error";
  throw std::runtime_error(std::string("Cannot write the Word file (") + what + ": " + text + ").");
}

}  // namespace

std::string xml_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string docx_package(std::string_view body, std::string_view section, std::time_t mtime) {
  const std::string document =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
      "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>" +
      std::string(body) + std::string(section) + "</w:body></w:document>";
  zip_error_t error;
  zip_error_init(&error);
  // The archive is built in a memory source that outlives the archive (kept), then read back.
  std::unique_ptr<zip_source_t, SourceFree> memory(zip_source_buffer_create(nullptr, 0, 0, &error));
  if (!memory) zip_failed("memory", &error);
  zip_source_keep(memory.get());
  zip_t* z = zip_open_from_source(memory.get(), ZIP_TRUNCATE, &error);
  if (!z) {
    zip_source_free(memory.get());  // the reference zip_open_from_source did not take
    zip_failed("open", &error);
  }
  const std::pair<const char*, std::string_view> parts[] = {
      {"[Content_Types].xml", kContentTypes}, {"_rels/.rels", kRels}, {"word/document.xml", document}};
  for (const auto& [name, data] : parts) {
    // The buffers (string literals and `document`) live until zip_close reads them.
    zip_source_t* s = zip_source_buffer(z, data.data(), data.size(), 0);
    const zip_int64_t index = s ? zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) : -1;
    if (index < 0) {
      if (s) zip_source_free(s);
      const std::string text = zip_error_strerror(zip_get_error(z));
      zip_discard(z);
      throw std::runtime_error(std::string("Cannot write the Word file (") + name + ": " + text + ").");
    }
    zip_file_set_mtime(z, static_cast<zip_uint64_t>(index), mtime, 0);
  }
  if (zip_close(z) != 0) {
    zip_error_t* e = zip_get_error(z);
    const std::string text = zip_error_strerror(e);
    zip_discard(z);
    throw std::runtime_error("Cannot write the Word file (close: " + text + ").");
  }
  if (zip_source_open(memory.get()) != 0) zip_failed("read back", zip_source_error(memory.get()));
  std::string out;
  char buffer[16384];
  for (zip_int64_t n; (n = zip_source_read(memory.get(), buffer, sizeof buffer)) > 0;)
    out.append(buffer, static_cast<std::size_t>(n));
  zip_source_close(memory.get());
  return out;
}

}  // namespace dnswitness
