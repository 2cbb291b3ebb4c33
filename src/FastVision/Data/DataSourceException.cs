namespace FastVision.Data;

/// <summary>Input data is unusable; the message names the file (and row) and what is wrong.</summary>
public sealed class DataSourceException(string message) : Exception(message);
