using System.CommandLine;
using FastVision.Inference;
using FastVision.Models;

namespace FastVision.Cli;

internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "A model folder written by 'fastvision train'" };
        var weights = new Option<string?>("--weights")
        {
            Description = "Write the weights with torchvision's body names (conv1, layer1.0.conv1, ...) and the head as head.*, as .safetensors or .pth",
        };
        var onnx = new Option<string?>("--onnx") { Description = "Write the network as ONNX (opset 13, dynamic batch, input 'images', output 'logits'), and preprocess.json beside it (its preprocessing, classes and temperature)" };
        var command = new Command("export", "Export a trained model's weights for PyTorch users, or its network for ONNX Runtime.\n" +
            "Example: fastvision export ./model --weights resnet_body.safetensors --onnx model.onnx");
        command.Arguments.Add(model);
        command.Options.Add(weights);
        command.Options.Add(onnx);
        command.SetAction(parse =>
        {
            var (vision, metadata) = ModelBundle.Load(parse.GetValue(model)!);
            using (vision)
            {
                if (parse.GetValue(weights) is null && parse.GetValue(onnx) is null) throw new ArgumentException("Nothing to export: give --weights FILE and/or --onnx FILE.");
                var written = new List<string>();
                if (parse.GetValue(weights) is { } file)
                {
                    BodyWeights.Export(vision, file);
                    written.Add(Path.GetFullPath(file));
                    Console.WriteLine($"weights ({metadata.Architecture}, torchvision body names + head.*): {Path.GetFullPath(file)}");
                }
                if (parse.GetValue(onnx) is { } onnxFile)
                {
                    if (!OnnxExport.Supports(vision)) throw new ArgumentException($"ONNX export supports ResNet bodies; '{metadata.Architecture}' is not one.");
                    double difference = OnnxExport.Save(vision, metadata.Pipeline.Size, onnxFile).MaxDifference;
                    written.Add(Path.GetFullPath(onnxFile));
                    Console.WriteLine($"ONNX ({metadata.Pipeline.Size}px, {metadata.Classes.Length} classes, dynamic batch; agrees with TorchSharp to {difference:G2}): {Path.GetFullPath(onnxFile)}");
                    var preprocess = OnnxPreprocess.PathBeside(onnxFile); // other engines need the inputs the graph expects
                    OnnxPreprocess.Of(metadata).Write(preprocess);
                    written.Add(preprocess);
                    Console.WriteLine($"preprocessing, classes and temperature for the ONNX graph: {preprocess}");
                }
                return CliOutput.Result($"export: {string.Join(", ", written)}", new { Command = "export", Files = written });
            }
        });
        return command;
    }
}
