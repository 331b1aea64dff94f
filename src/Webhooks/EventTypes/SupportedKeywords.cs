namespace Webhooks.EventTypes;

/// <summary>
/// The JSON Schema keywords NJsonSchema 11 enforces, as a strict meta-schema. Anything else
/// (a typo such as "requried", or const, if/then, contains, ...) would be ignored silently and let
/// every payload through, so registration refuses it. Keys starting with "x-" are free.
/// </summary>
internal static class SupportedKeywords
{
    public const string MetaSchema = """
        {
          "definitions": {
            "typeName": { "enum": ["array", "boolean", "integer", "null", "number", "object", "string"] },
            "count": { "type": "integer", "minimum": 0 },
            "schemas": { "type": "object", "additionalProperties": { "$ref": "#" } },
            "schemaList": { "type": "array", "minItems": 1, "items": { "$ref": "#" } }
          },
          "type": "object",
          "additionalProperties": false,
          "patternProperties": { "^x-": {} },
          "properties": {
            "$schema": { "type": "string" }, "$id": { "type": "string" }, "id": { "type": "string" }, "$comment": { "type": "string" },
            "title": { "type": "string" }, "description": { "type": "string" }, "default": {}, "examples": { "type": "array" },
            "readOnly": { "type": "boolean" }, "writeOnly": { "type": "boolean" }, "deprecated": { "type": "boolean" },
            "$ref": { "type": "string" },
            "definitions": { "$ref": "#/definitions/schemas" }, "$defs": { "$ref": "#/definitions/schemas" },
            "type": { "anyOf": [
              { "$ref": "#/definitions/typeName" },
              { "type": "array", "minItems": 1, "uniqueItems": true, "items": { "$ref": "#/definitions/typeName" } } ] },
            "enum": { "type": "array", "minItems": 1 },
            "format": { "type": "string" }, "pattern": { "type": "string" },
            "minLength": { "$ref": "#/definitions/count" }, "maxLength": { "$ref": "#/definitions/count" },
            "minimum": { "type": "number" }, "maximum": { "type": "number" },
            "exclusiveMinimum": { "type": ["number", "boolean"] }, "exclusiveMaximum": { "type": ["number", "boolean"] },
            "multipleOf": { "type": "number", "exclusiveMinimum": 0 },
            "items": { "anyOf": [ { "$ref": "#" }, { "$ref": "#/definitions/schemaList" } ] },
            "additionalItems": { "anyOf": [ { "type": "boolean" }, { "$ref": "#" } ] },
            "minItems": { "$ref": "#/definitions/count" }, "maxItems": { "$ref": "#/definitions/count" },
            "uniqueItems": { "type": "boolean" },
            "properties": { "$ref": "#/definitions/schemas" }, "patternProperties": { "$ref": "#/definitions/schemas" },
            "additionalProperties": { "anyOf": [ { "type": "boolean" }, { "$ref": "#" } ] },
            "required": { "type": "array", "uniqueItems": true, "items": { "type": "string" } },
            "minProperties": { "$ref": "#/definitions/count" }, "maxProperties": { "$ref": "#/definitions/count" },
            "allOf": { "$ref": "#/definitions/schemaList" }, "anyOf": { "$ref": "#/definitions/schemaList" },
            "oneOf": { "$ref": "#/definitions/schemaList" }, "not": { "$ref": "#" }
          }
        }
        """;
}
