// Starts Swagger UI for /openapi.json; served from the service itself (offline, CSP-safe).
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
