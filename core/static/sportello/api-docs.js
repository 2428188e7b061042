// Starts Swagger UI on the locally served OpenAPI document.
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: false,
    requestInterceptor: function (request) {
      var match = document.cookie.match(/(?:^|; )csrf_token=([^;]*)/);
      if (match) { request.headers["X-CSRFToken"] = decodeURIComponent(match[1]); }
      return request;
    }
  });
})();
