// The API documentation, served from app/static so it works on an offline intranet.
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", validatorUrl: null });
